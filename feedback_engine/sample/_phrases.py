"""Phrase banks for the sample corpus: keyword sets, cause metadata, per-cause phrases.

Data only; ``texts`` renders it into rows and transcripts and ``messy`` damages some rows.
What gets planted where (signals, messy rows) is decided in ``generator``.

Templates use ``{slot}`` placeholders that ``texts.Texts.fill`` resolves: record context
(``agent_name``, ``month``, ``product`` ...), ``SLOT_CHOICES`` below, or numeric slots
generated in code (amounts, days, order numbers ...), cached per record so a complaint
and the matching call summary quote the same amount.

Keyword sets at the top are a contract: every double-charge template contains one of
``DOUBLE_CHARGE_KEYWORDS`` and no other bank does; only the eSIM bank says "eSIM";
app-update markers are only added after the app release; empathy, escalation and
transfer phrases only appear where the generator decides to plant them.
"""

from __future__ import annotations

PRODUCTS = ["Broadband", "Mobile", "TV", "Mobile App", "Home Phone"]
QUEUES = ["billing", "tech_support", "sales", "retention", "general", "delivery"]
TEAMS = ["Orion", "Falcon", "Lynx", "Heron", "Vega", "Atlas"]
AGENT_NAMES = [
    "Priya", "Tom", "Aisha", "Jamie", "Chloe", "Marek", "Sofia", "Dan", "Grace", "Omar",
    "Hannah", "Luke", "Fatima", "Ben", "Ellie", "Ravi", "Megan", "Callum", "Nadia", "Josh",
    "Leah", "Kofi", "Amy", "Stefan", "Zara", "Ryan", "Holly", "Imran", "Katie", "Sean",
    "Lucy", "Tariq", "Emma", "Gareth", "Yasmin", "Owen", "Rosa", "Adam", "Beth", "Dev",
    "Molly", "Hassan", "Jade", "Liam", "Anya", "Craig", "Erin", "Sanjay", "Niamh", "Paul",
    "Rachel", "Ade", "Sophie", "Kieran", "Maya", "Lewis", "Tanya", "Arjun", "Freya", "Neil",
]
FIRST_NAMES = [
    "Sarah", "James", "Linda", "Mohammed", "Karen", "David", "Joanne", "Peter", "Agnieszka",
    "Michael", "Helen", "Chris", "Fiona", "Gary", "Shabana", "Mark", "Louise", "Andrew",
    "Nicola", "Steve", "Olu", "Claire", "Richard", "Deborah", "Wei", "Patrick", "Julie",
    "Simon", "Hayley", "Graham", "Ana", "Martin", "Rebecca", "Ian", "Kirsty", "Alan",
]
LAST_NAMES = [
    "Smith", "Patel", "Jones", "Williams", "Khan", "Brown", "Taylor", "Nowak", "Wilson",
    "Evans", "Thomas", "Ahmed", "Roberts", "Walker", "Wright", "Hughes", "Green", "Okafor",
    "Hall", "Clarke", "Murphy", "Singh", "Edwards", "Lewis", "Begum", "Scott", "Turner",
]

DOUBLE_CHARGE_KEYWORDS = (
    "charged twice", "double charge", "double-charged", "duplicate charge", "duplicate payment",
    "taken twice", "billed twice", "two payments", "paid twice",
)
APP_UPDATE_MARKERS = ("since the update", "version 5.2", "new app update", "latest update", "v5.2")
EMPATHY_PHRASES = (
    "I'm sorry to hear", "I understand how frustrating", "I completely understand",
    "I'm so sorry about", "I can imagine how",
)
ESCALATION_PHRASES = ("speak to a manager", "speak to a supervisor", "escalate this", "someone more senior")
TRANSFER_PHRASES = ("transfer you", "transferring you")
# Words typos must not touch, so keyword-based checks stay meaningful.
PROTECTED_WORDS = frozenset(
    ["charged", "charge", "twice", "double", "duplicate", "payment", "payments", "taken", "billed", "paid", "update", "version", "hold", "queue", "waited", "waiting", "manager", "supervisor", "escalate", "senior", "transfer"]
)

# key -> (parent, child, sentiment, base weight, {queue: weight}, {product: weight})
CAUSES = {
    "billing.double_charge": ("billing", "double charge", "neg", 12.0,
                              {"billing": 1}, {"Broadband": 4, "Mobile": 4, "TV": 2, "Home Phone": 1}),
    "billing.wrong_amount": ("billing", "wrong amount / unexpected fee", "neg", 6.0,
                             {"billing": 1}, {"Broadband": 3, "Mobile": 4, "TV": 2, "Home Phone": 1}),
    "billing.refund_not_received": ("billing", "refund not received", "neg", 4.0,
                                    {"billing": 4, "general": 1}, {"Broadband": 3, "Mobile": 3, "TV": 1}),
    "delivery.late": ("delivery", "late", "neg", 4.0,
                      {"delivery": 1}, {"Broadband": 4, "Mobile": 3, "TV": 2}),
    "delivery.missing_wrong_item": ("delivery", "missing / wrong item", "neg", 3.0,
                                    {"delivery": 1}, {"Broadband": 3, "Mobile": 3, "TV": 2}),
    "account_access.login_failure": ("account access", "login failure", "neg", 3.0,
                                     {"tech_support": 3, "general": 1}, {"Mobile App": 5, "Broadband": 1}),
    "account_access.password_reset": ("account access", "password reset", "neg", 2.5,
                                      {"tech_support": 2, "general": 2}, {"Mobile App": 4, "Broadband": 1}),
    "account_access.2fa_code": ("account access", "2FA code not arriving", "neg", 2.0,
                                {"tech_support": 3, "general": 1}, {"Mobile App": 4, "Mobile": 1}),
    "technical_fault.outage": ("technical fault", "outage", "neg", 6.0,
                               {"tech_support": 1}, {"Broadband": 6, "TV": 2, "Home Phone": 1, "Mobile": 1}),
    "technical_fault.slow_speed": ("technical fault", "slow speed", "neg", 6.0,
                                   {"tech_support": 1}, {"Broadband": 5, "Mobile": 2}),
    "technical_fault.dropped_calls": ("technical fault", "dropped calls", "neg", 3.5,
                                      {"tech_support": 1}, {"Mobile": 3, "Home Phone": 2}),
    "technical_fault.app_crash": ("technical fault", "app crash", "neg", 2.5,
                                  {"tech_support": 1}, {"Mobile App": 1}),
    "technical_fault.esim_activation": ("technical fault", "eSIM activation", "neg", 0.0,
                                        {"tech_support": 4, "sales": 1}, {"Mobile": 1}),
    "cancellation.wants_to_cancel": ("cancellation", "wants to cancel", "neg", 4.0,
                                     {"retention": 1}, {"Broadband": 3, "Mobile": 2, "TV": 2, "Home Phone": 1}),
    "cancellation.contract_end": ("cancellation", "contract end", "neu", 2.5,
                                  {"retention": 2, "sales": 1}, {"Broadband": 3, "Mobile": 3, "TV": 1}),
    "pricing.price_increase": ("pricing", "price increase", "neg", 5.0,
                               {"billing": 2, "retention": 1}, {"Broadband": 3, "Mobile": 2, "TV": 2}),
    "product_defect.faulty_router": ("product defect", "faulty router", "neg", 3.0,
                                     {"tech_support": 3, "delivery": 1}, {"Broadband": 1}),
    "product_defect.faulty_handset": ("product defect", "faulty handset", "neg", 2.0,
                                      {"tech_support": 2, "delivery": 1}, {"Mobile": 1}),
    "agent_behaviour.rude": ("agent behaviour", "rude", "neg", 2.5,
                             {"general": 2, "billing": 1, "tech_support": 1, "retention": 1},
                             {"Broadband": 3, "Mobile": 3, "TV": 1}),
    "agent_behaviour.unhelpful": ("agent behaviour", "unhelpful", "neg", 3.0,
                                  {"general": 2, "billing": 1, "tech_support": 2},
                                  {"Broadband": 3, "Mobile": 3, "TV": 1, "Home Phone": 1}),
    "agent_behaviour.excellent_help": ("agent behaviour", "excellent help", "pos", 8.0,
                                       {"billing": 2, "tech_support": 2, "general": 2, "sales": 1},
                                       {"Broadband": 4, "Mobile": 3, "TV": 1, "Mobile App": 1}),
    "wait_time.long_hold": ("wait time", "long hold / queue", "neg", 4.0,
                            {"billing": 3, "general": 2, "retention": 1, "sales": 1},
                            {"Broadband": 3, "Mobile": 3, "TV": 1, "Home Phone": 1}),
    "policy.early_termination_fee": ("policy", "early termination fee", "neg", 2.0,
                                     {"retention": 1}, {"Broadband": 2, "Mobile": 2, "TV": 1}),
    "policy.returns": ("policy", "returns", "neg", 1.5,
                       {"delivery": 2, "general": 1}, {"Broadband": 2, "Mobile": 2, "TV": 1}),
    "praise.general": ("praise", "general praise", "pos", 6.0,
                       {"general": 2, "sales": 1}, {"Broadband": 4, "Mobile": 3, "TV": 1, "Mobile App": 2}),
    "neutral.plan_change": ("neutral", "plan change", "neu", 4.0,
                            {"sales": 3, "general": 1}, {"Broadband": 3, "Mobile": 3, "TV": 2}),
    "neutral.address_update": ("neutral", "address update", "neu", 2.5,
                               {"general": 1}, {"Broadband": 3, "Mobile": 2, "Home Phone": 1}),
}

SLOT_CHOICES = {
    "item": ["router", "SIM card", "set-top box", "new handset", "TV box", "wifi booster"],
    "wrong_item": ["TV remote", "power adapter", "SIM card", "landline handset", "ethernet cable"],
    "device": ["Hub 4", "Hub 5", "SmartHub Pro", "Northwind Hub 3", "router"],
    "handset": ["iPhone 15", "iPhone 14", "Galaxy S24", "Galaxy A54", "Pixel 8", "Moto G84"],
    "eta": ["3-5 working days", "48 hours", "5-7 working days", "7-10 days", "24 hours"],
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "date": ["the 3rd", "the 12th", "the 15th", "the 28th", "the 1st", "last Tuesday"],
    "paid_speed": ["67", "150", "500", "900"],
    "nth": ["second", "third", "fourth", "fifth"],
    "queue2": ["billing", "technical support", "retentions", "deliveries", "sales"],
    "postcode": ["LS6 2QT", "M14 5RB", "BS3 4HE", "NE2 1AX", "CF24 3PL", "G12 8QQ"],
}

# Per-cause banks: "cust" = first-person customer sentences, "detail" = elaboration,
# "issue"/"action" = third-person call-summary fragments, "subject" = email subjects,
# "title" = review titles.
BANKS = {
    "billing.double_charge": {
        "cust": [
            "I've been charged twice for my {month} bill.",
            "You've taken two payments of {amount} out of my account this month.",
            "Why have I been billed twice? Same amount, same day, {amount} each time.",
            "There's a duplicate charge on my {month} invoice and nobody can tell me why.",
            "Double charged again. {amount} went out twice on {date}.",
            "My bank statement shows the direct debit taken twice, {amount} both times.",
            "I was double-charged for my {product} and it's put me into my overdraft.",
            "Charged twice for the same month. Not acceptable.",
            "Just noticed a duplicate payment of {amount} on my card from Northwind.",
            "The direct debit was taken twice this month and I had to borrow money for rent.",
            "Billed twice for {month}, can someone please explain how this happens?",
            "Two payments of {amount} left my account on the same morning and I want one back today.",
            "The app shows one bill but my bank says I've paid twice.",
            "Got charged twice, {amount} x2, for one {product} bill.",
        ],
        "detail": [
            "I only have one account with you so there's no reason for it.",
            "My bank says both payments came from Northwind.",
            "I checked my online account and it only shows one bill.",
            "That money was meant for the food shop this week.",
            "I've had to pay an overdraft fee of {fee_small} because of it.",
            "My partner's account was hit the same way.",
        ],
        "issue": ["a duplicate charge on the {month} invoice", "being charged twice for {month}",
                  "two payments of {amount} taken on the same day", "a double charge of {amount} on card"],
        "action": ["refund of {amount} raised, ETA {eta}", "duplicate payment confirmed, credit of {amount} applied",
                   "advised refund will show in {eta}, ref {ref}", "billing dispute {ref} raised, cust to monitor bank"],
        "subject": ["Charged twice this month", "Duplicate payment - please refund", "Double charge on my account",
                    "Billed twice for {month}?", "Two payments taken!!"],
        "title": ["Charged twice and no apology", "Double charge nightmare", "Billed twice, still waiting"],
    },
    "billing.wrong_amount": {
        "cust": [
            "My bill is {amount} this month when it's normally {old_price}.",
            "There's a {fee_small} charge on my bill I never agreed to.",
            "Why is there a late payment fee when I pay by direct debit?",
            "I've been charged for calls that should be included in my plan.",
            "The bill doesn't match what I was quoted in the shop.",
            "Got a bill for {amount}, no idea what half of it is for.",
            "Can someone explain the 'service charge' of {fee_small} please?",
            "I was promised {old_price} a month and I'm paying {new_price}.",
            "Roaming charges of {amount} for a trip where I barely used my phone.",
            "An unexpected admin fee has appeared on my account.",
            "Bill shock again, {amount} for a {product} package that should cost half that.",
            "You charged me for a TV bolt-on I cancelled back in {month}.",
        ],
        "detail": [
            "I've checked every line of the bill.", "Nobody mentioned extra fees when I signed up.",
            "The online breakdown just says 'adjustment'.", "I keep a spreadsheet of my bills so I know this is wrong.",
            "I want the fee removed, not a discount next month.",
        ],
        "issue": ["an unexpected {fee_small} fee on the latest bill", "a bill higher than quoted ({amount} vs {old_price})",
                  "disputed roaming charges", "charges for a cancelled bolt-on"],
        "action": ["explained charges, goodwill credit of {fee_small} applied", "fee removed, corrected bill to follow",
                   "raised billing query {ref}", "reviewed bill line by line, charges valid, cust not happy"],
        "subject": ["Wrong bill amount", "Unexpected fee on my bill", "Query about {month} bill", "Overcharged"],
        "title": ["Hidden fees everywhere", "Bills never match the quote", "Sneaky charges"],
    },
    "billing.refund_not_received": {
        "cust": [
            "I was promised a refund of {amount} {days} days ago and still nothing.",
            "Where is my refund? I was told {eta}.",
            "Still waiting on the refund for my returned {item}.",
            "Three separate people have told me the refund is on its way. It isn't.",
            "My refund of {amount} has not arrived.",
            "You owe me {amount} and keep giving me excuses.",
            "The credit you promised never showed up on my account.",
            "Refund still not received after {days} days, reference {ref}.",
            "I closed my account in {month} and you still haven't paid back my credit balance.",
            "Told the money would be back within five working days. That was weeks ago.",
        ],
        "detail": [
            "I have the reference number and the name of the agent.", "My bank has confirmed nothing has come in.",
            "Every time I ring I'm told something different.", "I'm starting to think it will never come.",
        ],
        "issue": ["a refund of {amount} not yet received", "chasing refund ref {ref}",
                  "a missing credit balance refund after account closure"],
        "action": ["refund checked, payment issued, ETA {eta}", "refund had failed, re-issued to card",
                   "chased with finance, callback within 48 hours"],
        "subject": ["Where is my refund?", "Refund still not received", "Chasing refund {ref}"],
        "title": ["Still waiting for my money", "Refunds take forever"],
    },
    "delivery.late": {
        "cust": [
            "My new {item} was due on {weekday} and still hasn't turned up.",
            "Order {order} is {days} days late.",
            "The tracking has said 'out for delivery' since {weekday}.",
            "I took a day off work for the delivery and nobody came.",
            "Still no sign of my {item}, order {order}.",
            "How long does it take to post a {item}? It's been {days} days.",
            "Delivery keeps getting pushed back.",
            "The courier claims they tried to deliver but I was home all day.",
            "I was promised next-day delivery a week ago.",
            "My installation can't go ahead because the {item} hasn't arrived.",
        ],
        "detail": [
            "The tracking link doesn't work either.", "I've just moved house and need this to get online.",
            "I work from home and have no internet until it arrives.", "The courier's helpline sends me back to you.",
        ],
        "issue": ["late delivery of {item}, order {order}", "order {order} delayed {days} days",
                  "a disputed failed delivery attempt"],
        "action": ["chased courier, new delivery date {weekday}", "re-dispatched {item} on next-day service",
                   "parcel stuck in depot, ETA {eta}"],
        "subject": ["Order {order} not delivered", "Where is my {item}?", "Late delivery"],
        "title": ["Delivery was a shambles", "Waited ages for my kit"],
    },
    "delivery.missing_wrong_item": {
        "cust": [
            "The box arrived but there was no {item} inside.",
            "I ordered a {item} and you sent me a {wrong_item}.",
            "My order {order} says delivered but it's not here.",
            "Received the wrong SIM size, it doesn't fit my phone.",
            "Parcel turned up empty apart from the cables.",
            "I got someone else's set-top box, with their name on the label.",
            "The {item} never arrived even though the courier marked it as delivered.",
            "Part of my order is missing, I only got the power cable.",
            "You sent a {wrong_item} instead of the {item} I paid for.",
        ],
        "detail": ["The neighbours haven't seen it either.", "I have photos of what was in the box.",
                   "The courier photo shows a front door that isn't mine."],
        "issue": ["a missing {item} from order {order}", "the wrong item delivered ({wrong_item} instead of {item})",
                  "a parcel marked delivered but not received"],
        "action": ["replacement {item} dispatched, ETA {eta}", "courier investigation opened {ref}",
                   "returns label emailed for wrong item"],
        "subject": ["Wrong item received", "Missing {item}", "Order {order} incomplete"],
        "title": ["Sent the wrong thing twice", "Missing parts"],
    },
    "account_access.login_failure": {
        "cust": [
            "I can't log in to my account.",
            "The login page just says 'something went wrong'.",
            "Every time I sign in it kicks me straight back to the start.",
            "My password is definitely right but the app won't let me in.",
            "I've been locked out of My Northwind for {days} days.",
            "Login keeps failing, so I can't see my bill.",
            "It says my email address isn't recognised, even though I've had the account for years.",
            "The app won't sign me in on my phone.",
            "Can't get into my account to change anything, it just spins.",
        ],
        "detail": ["I've tried on two different phones.", "Reinstalling made no difference.",
                   "The website does the same thing."],
        "issue": ["being unable to log in to the app", "login failures on My Northwind"],
        "action": ["cleared account lock, cust able to log in", "raised login fault {ref} with app team",
                   "advised reinstall and cache clear, still failing"],
        "subject": ["Can't log in", "Locked out of my account", "Login not working"],
        "title": ["Can't even log in", "Login is broken"],
    },
    "account_access.password_reset": {
        "cust": [
            "The password reset link never arrives.",
            "I reset my password and now it says the new one is wrong.",
            "The reset email link says it has expired the second I click it.",
            "I've reset my password four times today.",
            "Password reset just goes round in circles.",
            "Forgot my password and there's no way to reset it without my old phone number.",
            "The reset link goes to an old email address I don't use any more.",
            "Changed my password and was locked out for 24 hours.",
        ],
        "detail": ["I've checked my spam folder.", "I just want to pay my bill."],
        "issue": ["password reset emails not arriving", "a password reset loop"],
        "action": ["reset password manually, cust logged in", "updated email on account and resent reset link"],
        "subject": ["Password reset not working", "Reset link expired"],
        "title": ["Password reset is useless"],
    },
    "account_access.2fa_code": {
        "cust": [
            "The verification code never comes through by text.",
            "I'm not getting the 2FA code so I can't log in.",
            "The security code arrives ten minutes later when it has already expired.",
            "The two-factor code isn't being sent to my phone.",
            "I keep requesting a one-time passcode and nothing arrives.",
            "The six-digit code you send is always rejected as invalid.",
            "I can't get past the security code screen.",
            "My login code goes to a number I no longer have.",
        ],
        "detail": ["I've tried it on wifi and on mobile data.", "It worked fine a few weeks ago."],
        "issue": ["2FA codes not arriving", "one-time passcodes rejected at login"],
        "action": ["verified number on account, codes now arriving", "raised SMS delivery fault {ref}"],
        "subject": ["Not receiving verification code", "2FA code problem"],
        "title": ["Security codes never arrive"],
    },
    "technical_fault.app_crash": {
        "cust": [
            "The app crashes as soon as I open it.",
            "It keeps crashing when I try to look at my usage.",
            "The app freezes on the loading screen.",
            "Every time I tap on 'Bills' the app closes itself.",
            "App is completely unusable, it crashes every few seconds.",
            "The Northwind app shuts down when I try to pay.",
            "The app just shows a white screen then crashes.",
            "Crashing constantly on my {handset}.",
        ],
        "detail": ["I've deleted and reinstalled it twice.", "My phone is fully up to date.",
                   "I have to use the website on a laptop instead."],
        "issue": ["the app crashing on launch", "the app closing when paying a bill"],
        "action": ["logged crash report {ref} with app team", "advised reinstall, issue persists"],
        "subject": ["App keeps crashing", "Problem with Northwind app"],
        "title": ["Crashes constantly", "Unusable app", "Keeps closing"],
    },
    "technical_fault.esim_activation": {
        "cust": [
            "My eSIM won't activate.",
            "The QR code for the eSIM doesn't work, it just says invalid.",
            "eSIM activation keeps failing on my {handset}.",
            "I switched to an eSIM and now I have no service at all.",
            "Scanned the eSIM QR code three times and nothing happens.",
            "Stuck on 'activating eSIM' for {hours} hours.",
            "Your eSIM setup instructions simply don't work.",
            "I've had no working number since trying to move to eSIM.",
            "The eSIM profile downloads but the phone shows 'No Service'.",
            "New phone, eSIM won't activate, and the shop can't help.",
        ],
        "detail": ["I had to go back to my old phone.", "The email with the code came through fine.",
                   "I can't take calls for work until this is fixed."],
        "issue": ["eSIM activation failing", "the eSIM QR code being rejected"],
        "action": ["eSIM profile reissued, new QR code sent", "raised eSIM provisioning fault {ref}"],
        "subject": ["eSIM won't activate", "eSIM QR code not working"],
        "title": ["eSIM setup is broken", "eSIM nightmare"],
    },
    "technical_fault.outage": {
        "cust": [
            "My broadband has been down since {weekday}.",
            "No internet for {days} days now.",
            "Total outage in my area again, and the status page says everything is fine.",
            "Internet drops out every evening around seven.",
            "The connection has been off more than on this week.",
            "No signal at all at home since {weekday}.",
            "My TV service has been down all weekend.",
            "Lost broadband and the phone line at the same time, {hours} hours and counting.",
            "Another outage. The {nth} one this month.",
            "The router lights are all red and nothing works.",
        ],
        "detail": ["I work from home so this is costing me money.", "My kids can't do their homework.",
                   "Neighbours with other providers are fine.", "I've restarted the router more times than I can count.",
                   "I want compensation for the days without service."],
        "issue": ["a broadband outage since {weekday}", "loss of service for {hours} hours",
                  "a reported area outage", "connection drops in the evenings"],
        "action": ["area outage confirmed, fix ETA {eta}, compensation noted", "line test failed, engineer booked for {weekday}",
                   "router reset remotely, service restored", "network fault {ref} raised"],
        "subject": ["No internet", "Broadband down again", "Outage - compensation?"],
        "title": ["Constant outages", "Unreliable connection", "Down more than up"],
    },
    "technical_fault.slow_speed": {
        "cust": [
            "I'm paying for {paid_speed} Mbps and getting {speed}.",
            "Speeds are terrible in the evenings.",
            "Broadband is painfully slow, I can't even stream.",
            "Speed test shows {speed} Mbps. That's not what I signed up for.",
            "Video calls keep freezing because the internet is so slow.",
            "Mobile data is crawling, even with full signal.",
            "Upload speed is almost nothing.",
            "Slow, slow, slow. Every single night.",
            "Pages take ages to load, my old provider was much faster.",
        ],
        "detail": ["I've tested it with a cable plugged straight into the hub.", "It's fine at 6am, useless by 8pm.",
                   "I've sent screenshots of the speed tests."],
        "issue": ["slow speeds ({speed} Mbps on a {paid_speed} Mbps plan)", "evening speed drops"],
        "action": ["line test ok, router channel changed", "speed fault {ref} raised, monitoring for 72 hours",
                   "advised wired test, engineer visit offered"],
        "subject": ["Slow broadband", "Not getting the speed I pay for"],
        "title": ["Slow speeds", "Nowhere near advertised speed"],
    },
    "technical_fault.dropped_calls": {
        "cust": [
            "My calls keep dropping after a minute or two.",
            "Every call cuts out, I can't have a conversation.",
            "Calls drop whenever I'm at home, signal is fine elsewhere.",
            "The home phone line goes dead halfway through calls.",
            "I get cut off mid-call several times a day.",
            "People tell me I sound robotic and then the call drops.",
            "Dropped calls all the time since I switched to Northwind.",
        ],
        "detail": ["It happens on wifi calling too.", "My elderly mum can't get hold of me."],
        "issue": ["repeated dropped calls", "calls cutting out at home"],
        "action": ["mast fault confirmed, fix ETA {eta}", "reset network settings, wifi calling enabled"],
        "subject": ["Calls keep dropping", "Phone line cutting out"],
        "title": ["Calls drop all the time"],
    },
    "cancellation.wants_to_cancel": {
        "cust": [
            "I want to cancel my {product} contract.",
            "Please cancel my account, I'm moving to another provider.",
            "How do I cancel? The website hides it.",
            "I've asked to cancel before and I'm still being billed.",
            "I'm done, cancel everything.",
            "I want to leave, the service hasn't been worth it.",
            "I'm moving abroad and need to cancel my {product}.",
            "Trying to cancel and I keep being offered deals I don't want.",
        ],
        "detail": ["I've given my 30 days notice.", "Please confirm the final bill in writing.",
                   "I don't want a call back, just do it."],
        "issue": ["a request to cancel {product}", "cancellation after moving provider"],
        "action": ["cancellation processed, final bill on {date}", "retention offer declined, cancellation logged"],
        "subject": ["Cancel my account", "Cancellation request"],
        "title": ["Leaving Northwind", "Impossible to cancel"],
    },
    "cancellation.contract_end": {
        "cust": [
            "My contract ends next month and I want to know my options.",
            "I'm out of contract, why am I paying more than new customers?",
            "My contract finished in {month}, please don't auto-renew me.",
            "Coming to the end of my 24 months, what deals are there?",
            "I didn't get any notice that my contract was ending.",
            "Out of contract and the price jumped.",
        ],
        "detail": ["I'm happy to stay if the price is right.", "I've seen better offers online."],
        "issue": ["end of contract options", "out-of-contract pricing"],
        "action": ["offered new 24-month deal at {new_price}, cust to consider", "recontracted at loyalty price"],
        "subject": ["Contract ending", "Out of contract pricing"],
        "title": ["Loyalty is punished"],
    },
    "pricing.price_increase": {
        "cust": [
            "My bill has gone up by {pct}% with no warning.",
            "Another price rise? That's the second this year.",
            "The mid-contract price increase is outrageous.",
            "You've put my {product} price up from {old_price} to {new_price}.",
            "Prices keep going up but the service keeps getting worse.",
            "I signed up for a fixed price and now it's increased.",
            "A {pct}% rise is way above inflation.",
            "I can't afford these price hikes any more.",
        ],
        "detail": ["Nobody told me about this when I signed up.", "I'm on a pension and every pound counts."],
        "issue": ["the annual price rise", "a price increase from {old_price} to {new_price}"],
        "action": ["explained annual increase, no change made", "offered {fee_small} loyalty discount"],
        "subject": ["Price increase", "Why has my bill gone up?"],
        "title": ["Price hikes every year", "Getting too expensive"],
    },
    "product_defect.faulty_router": {
        "cust": [
            "The {device} keeps rebooting itself.",
            "My router overheats and switches off.",
            "The new {device} is faulty, the wifi disappears every hour.",
            "The power light flashes orange and nothing connects.",
            "That's the second faulty router in a month.",
            "The {device} you sent me was dead out of the box.",
            "Wifi from the hub doesn't reach past the hallway, and it's a small flat.",
        ],
        "detail": ["I've tried a different socket.", "It gets really hot to the touch."],
        "issue": ["a faulty {device}", "a router rebooting repeatedly"],
        "action": ["replacement {device} ordered, ETA {eta}", "firmware pushed, monitoring"],
        "subject": ["Faulty router", "{device} not working"],
        "title": ["Rubbish router"],
    },
    "product_defect.faulty_handset": {
        "cust": [
            "My new {handset} won't hold a charge.",
            "The handset I got from you has a faulty screen.",
            "My phone restarts randomly and it's only {days} days old.",
            "The speaker on my {handset} crackles on every call.",
            "The handset came with a dead line of pixels down the screen.",
            "My {handset} won't charge at all now.",
        ],
        "detail": ["I've barely had it a fortnight.", "I need a working phone for work."],
        "issue": ["a faulty {handset}", "a handset with a screen fault"],
        "action": ["handset repair booked, courier collection {weekday}", "swap authorised under warranty"],
        "subject": ["Faulty phone", "Problem with my new {handset}"],
        "title": ["Faulty phone, slow swap"],
    },
    "agent_behaviour.rude": {
        "cust": [
            "The agent I spoke to was rude and talked over me.",
            "{agent_name} was dismissive and ended the call on me.",
            "Your advisor was sarcastic and made me feel stupid.",
            "I was spoken to like a child.",
            "The person on the phone was incredibly rude.",
            "The agent sighed at me and said there was nothing they could do.",
            "Worst customer service I've had, the advisor was so rude.",
            "He laughed when I said I'd been without service for a week.",
        ],
        "detail": ["I'd like this to be looked into.", "I was polite the whole time."],
        "issue": ["a complaint about advisor manner", "dissatisfaction with a previous advisor"],
        "action": ["apologised, complaint logged {ref}", "feedback passed to team manager"],
        "subject": ["Complaint about your staff", "Rude advisor"],
        "title": ["Rude staff", "Appalling attitude"],
    },
    "agent_behaviour.unhelpful": {
        "cust": [
            "The agent didn't seem to know anything about my issue.",
            "I was told to restart the router and that was it.",
            "Nobody actually helps, they just read from a script.",
            "The advisor promised a callback that never happened.",
            "I explained my problem three times and still got nowhere.",
            "They just kept telling me to check the website.",
            "I got passed from department to department.",
            "The agent closed the chat before my problem was fixed.",
        ],
        "detail": ["I ended up fixing it myself.", "It took three contacts to get anywhere."],
        "issue": ["an unresolved issue from a previous contact", "a missed callback"],
        "action": ["reviewed history, callback booked for {weekday}", "resolved outstanding issue, apologised"],
        "subject": ["Nobody is helping me", "Still no answer"],
        "title": ["Useless support", "Scripted answers only"],
    },
    "agent_behaviour.excellent_help": {
        "cust": [
            "{agent_name} was brilliant, sorted everything in one call.",
            "Really helpful agent, patient and knew exactly what to do.",
            "{agent_name} went above and beyond to fix my issue.",
            "Fantastic service from {agent_name} today, thank you.",
            "The advisor explained everything clearly and didn't rush me.",
            "Problem solved in ten minutes, great agent.",
            "{agent_name} was friendly, quick and genuinely cared.",
            "Best customer service experience I've had with any company.",
            "Lovely person on the phone, really made my day.",
            "The agent called me back exactly when promised and fixed it.",
        ],
        "detail": ["I was dreading calling but it was painless.", "Please pass on my thanks.",
                   "{agent_name} even checked I was on the best plan."],
        "issue": ["a question about their bill", "help setting up a new router",
                  "a question about their plan"],
        "action": ["talked cust through setup, all working", "query resolved first time, cust very pleased"],
        "subject": ["Thank you", "Great service from {agent_name}"],
        "title": ["Brilliant support", "Excellent customer service", "Helpful staff"],
    },
    "wait_time.long_hold": {
        "cust": [
            "I was on hold for {mins} minutes.",
            "I waited {mins} minutes just to get through to someone.",
            "The queue on the phone is ridiculous.",
            "Hold music for almost an hour. Unacceptable.",
            "It took {mins} minutes on hold before anyone answered.",
            "Your phone queue is the longest I've ever waited in.",
            "The chat said I was number {queue_pos} in the queue.",
            "I spent my whole lunch break on hold.",
            "Waiting times are getting worse every time I call.",
            "Over an hour waiting to get through to anyone.",
        ],
        "detail": ["The call got cut off once I finally got through.", "I had to call from work in the end.",
                   "The callback option never worked."],
        "issue": ["long hold times before answer ({mins} mins)", "queue wait times"],
        "action": ["apologised for wait, issue resolved on call", "wait time feedback logged"],
        "subject": ["Impossible to get through", "Waiting times"],
        "title": ["Hours on hold", "Can never get through"],
    },
    "policy.early_termination_fee": {
        "cust": [
            "You want {fee} to leave early when the service doesn't even work.",
            "An early termination fee of {fee} for a service that's been down half the month?",
            "I'm being charged an exit fee even though you broke the contract first.",
            "The cancellation fee wasn't explained when I signed up.",
            "Why should I pay to leave when you put prices up?",
            "{fee} to end my contract is daylight robbery.",
        ],
        "detail": ["I'll be taking this to the ombudsman.", "The contract says nothing about this."],
        "issue": ["an early termination fee of {fee}", "a disputed exit fee"],
        "action": ["explained ETF terms, cust disputing", "ETF waived due to service faults"],
        "subject": ["Early termination fee", "Exit fee dispute"],
        "title": ["Trapped by exit fees"],
    },
    "policy.returns": {
        "cust": [
            "I want to return the {item} but I'm told it's outside the 14 days.",
            "The returns process is a joke, no label, no bag.",
            "You're charging me {fee_small} for not returning a router I sent back.",
            "I posted the {item} back weeks ago and you say you never got it.",
            "The returns policy makes no sense, I can't send back an unopened phone.",
        ],
        "detail": ["I have the proof of postage.", "The post office receipt is right here."],
        "issue": ["a returns dispute for {item}", "a non-return charge of {fee_small}"],
        "action": ["non-return charge removed, proof of postage accepted", "returns pack sent"],
        "subject": ["Returns problem", "Non-return charge"],
        "title": ["Returns are a nightmare"],
    },
    "praise.general": {
        "cust": [
            "Great service, no complaints.",
            "Fast broadband and no problems in two years.",
            "Very happy with Northwind overall.",
            "Easy to set up and it works perfectly.",
            "Good value for money compared to the others.",
            "Everything works, the app is handy for checking my bill.",
            "Signal is excellent, even out in the countryside.",
            "Installation was quick and the engineer was tidy.",
            "Switched last year and haven't looked back.",
            "Reliable, reasonably priced, would recommend.",
        ],
        "detail": ["The speeds are exactly as advertised.", "Never had an outage that I noticed."],
        "issue": ["a general query, no fault", "positive feedback about service"],
        "action": ["query answered, no further action", "thanked cust for feedback"],
        "subject": ["Compliment", "Happy customer"],
        "title": ["Great value", "Reliable and fast", "Five stars"],
    },
    "neutral.plan_change": {
        "cust": [
            "I'd like to upgrade to a faster broadband plan.",
            "Can I add another line to my mobile plan?",
            "Looking to switch my mobile plan to one with more data.",
            "What's the cheapest way to add sports channels to my TV?",
            "I want to downgrade my package as I don't watch much TV.",
            "Can I change my plan without extending the contract?",
            "Is there a family plan for three phones?",
        ],
        "detail": ["No rush, just let me know the options.", "Happy to stay with you, just want a better fit."],
        "issue": ["a plan change enquiry", "an upgrade request"],
        "action": ["plan upgraded, effective next bill", "options emailed, cust to decide"],
        "subject": ["Plan change", "Upgrade enquiry"],
        "title": ["Decent options"],
    },
    "neutral.address_update": {
        "cust": [
            "I need to change my address, I'm moving next month.",
            "How do I change the billing address on my account?",
            "Please change the contact number on my account.",
            "I've moved house, can you move my broadband to the new address?",
            "Can you change the name on the account? I recently got married.",
            "I need to change the email address my bills go to.",
        ],
        "detail": ["The move date is {date}.", "Let me know if you need proof of address."],
        "issue": ["an address change", "a home move request"],
        "action": ["address updated on account", "home move booked for {date}"],
        "subject": ["Change of address", "Moving house"],
        "title": ["Moving was easy"],
    },
}

# Agent first-person resolution lines per parent cause, used in chats and calls.
FIX = {
    "billing": ["I've raised a refund of {amount}, you should see it within {eta}.",
                "I've corrected the bill and applied a credit of {fee_small}.",
                "I've logged a billing dispute, reference {ref}."],
    "delivery": ["I've sent out a replacement {item}, it should be with you in {eta}.",
                 "I've chased the courier and booked redelivery for {weekday}."],
    "account access": ["I've unlocked the account, can you try logging in now?",
                       "I've updated the mobile number on the account so codes go to the right place."],
    "technical fault": ["I've booked an engineer for {weekday} morning.",
                        "I've run a line test and reset things from our side, it should come back in a few minutes.",
                        "I've raised a fault with our network team, reference {ref}."],
    "cancellation": ["I've processed that for you, your final bill will come on {date}.",
                     "I can offer you a new deal at {new_price} a month if you'd like to stay."],
    "pricing": ["I can apply a loyalty discount of {fee_small} a month.",
                "The increase is in the terms, but I've added a small credit for you."],
    "product defect": ["I've ordered a replacement {device}, it'll arrive in {eta}.",
                       "I've authorised a swap under warranty."],
    "agent behaviour": ["I've logged your feedback, reference {ref}, and sorted the original issue.",
                        "I've gone through the notes and fixed what was left outstanding."],
    "wait time": ["Thanks for waiting, I can sort that for you now.",
                  "I've noted the wait on your account and fixed the issue."],
    "policy": ["I've waived the fee given the faults on the line.",
               "I've removed the non-return charge now that I can see the proof of postage."],
    "praise": ["Thanks so much, that's really kind.", "Glad everything's working well for you."],
    "neutral": ["That's done, you'll get a confirmation email shortly.", "I've emailed you the options."],
}
BOT_GREET = ["Hi, I'm Nova, Northwind's virtual assistant. What can I help with today?",
             "Hello! Tell me in a few words what your question is about.",
             "Welcome to Northwind Connect chat. How can I help?"]
BOT_INTENT = ["speak to an agent", "agent please", "human", "I need help with my account", "talk to someone"]
BOT_HANDOFF = ["Thanks, I'm connecting you to an advisor now.",
               "I'll pass you to one of our team. Current wait is about {mins} minutes.",
               "Connecting you to a member of the team."]
CHAT_GREET = ["Hi, you're chatting with {agent_name}. How can I help today?",
              "Hello, {agent_name} here. What can I do for you?",
              "Hi there, my name's {agent_name}, I'll be helping you today."]
CALL_GREET = ["Thank you for calling Northwind, my name is {agent_name}, how can I help?",
              "Good morning, Northwind Connect, you're speaking with {agent_name}.",
              "Hello, you're through to {agent_name} at Northwind, what can I do for you today?"]
IVR = ["Welcome to Northwind Connect. Calls may be recorded for training purposes.",
       "Please tell us in a few words why you're calling.",
       "Please hold while we connect you to an advisor."]
EMPATHY_LINES = ["I'm sorry to hear that, let's get this sorted for you.",
                 "I understand how frustrating that must be.",
                 "I completely understand, that's not the experience we want you to have.",
                 "I'm so sorry about this, I can see why you're upset.",
                 "I can imagine how annoying that is, thanks for bearing with me."]
NEUTRAL_ACK = ["Okay.", "Right, let me take a look.", "Okay, let me check that.", "Sure.", "Okay, bear with me."]
VERIFY = [("Can I take the account number please?", ["It's {customer_id}.", "The account number is {customer_id}."]),
          ("Can I take your postcode please?", ["Sure, {postcode}.", "It's {postcode}."]),
          ("Could you confirm the account holder's full name?", ["{cust_name}.", "It's {cust_name}."]),
          ("For security, can you confirm your postcode and full name?", ["{postcode}, {cust_name}."])]
CONFIRM = ["So just to confirm, this is about {issue}?", "Okay, so you're getting in touch about {issue}, is that right?"]
CONFIRM_YES = ["Yes.", "Yes, exactly.", "That's right.", "Yep."]
CHECKING = ["I can see what's happened here.", "Okay, I've found it on the system.",
            "Just looking at your account now.", "Bear with me while I pull up the details."]
# Agent questions and customer answers that fit the topic (a cause key wins over its parent).
PROBES = {
    "billing": [("Which bill are you looking at?", ["The {month} one.", "The latest one, for {amount}."]),
                ("Is that coming out by direct debit?", ["Yes, always has been.", "Yes, on the 1st."]),
                ("Can you see the payment on your bank statement?", ["Yes, I've got it open now.", "Yes, it's right there."])],
    "delivery": [("Do you have the order number?", ["Yes, it's {order}.", "Hang on... {order}."]),
                 ("Has the tracking updated at all?", ["Not since {weekday}.", "No, nothing."]),
                 ("Is the delivery address still correct?", ["Yes.", "Yes, same as always."])],
    "account access": [("Is this on the app or the website?", ["The app, on my {handset}.", "Both."]),
                       ("Have you tried reinstalling the app?", ["Yes, twice.", "Yes, no difference."]),
                       ("Which phone number is on the account?", ["My mobile.", "It might be my old number."])],
    "technical fault": [("Have you tried restarting the router?", ["Yes, twice already.", "Every morning.", "No, should I?"]),
                        ("What lights can you see on the hub?", ["The power light is orange.", "All green, but nothing works."]),
                        ("Is it every device or just one?", ["Every device.", "All of them, phones and laptop."])],
    "technical_fault.esim_activation": [("Which phone are you setting it up on?", ["A {handset}.", "The new {handset}."]),
                                        ("Did you get the QR code by email?", ["Yes, it came through fine.", "Yes, this morning."])],
    "technical_fault.app_crash": [("Which phone are you using?", ["A {handset}.", "It's a {handset}."]),
                                  ("Is the app up to date?", ["Yes, I think so.", "It updated itself."])],
    "cancellation": [("Can I ask why you're looking to leave?", ["It's just too expensive now.", "I've had enough of the faults."]),
                     ("Have you seen our current offers?", ["I'm not interested.", "Yes, they're not good enough."])],
    "pricing": [("Did you get the letter about the annual change?", ["No, nothing arrived.", "Yes, but it didn't say this much."])],
    "product defect": [("How old is the device?", ["About {days} days.", "A few weeks."]),
                       ("Have you tried a different socket or charger?", ["Yes, same thing.", "Yes."])],
    "agent behaviour": [("Do you remember roughly when that was?", ["Last {weekday}.", "A few days ago."])],
    "wait time": [("What was it you were getting in touch about originally?", ["My bill.", "The broadband keeps dropping."])],
    "policy": [("When did you send it back?", ["About {days} days ago.", "Weeks ago."]),
               ("Do you have proof of postage?", ["Yes, I kept the receipt.", "Yes."])],
    "praise": [("Is there anything else on the account I can check for you?", ["No, all good.", "No, it's all working."])],
    "neutral": [("Is it just the one account?", ["Yes.", "Yes, just mine."]),
                ("When would you like that to start?", ["From next month.", "As soon as possible."])],
}
GENERIC_PROBES = [("When did this first start?", ["About {days} days ago.", "Since {weekday}.", "Last month sometime."]),
                  ("And is that the best number to reach you on?", ["Yes.", "Yes, that's my mobile."])]
HOLD = ["Let me put you on a brief hold while I check that.",
        "Do you mind if I place you on hold for a moment?",
        "I'll need to put you on hold for a couple of minutes."]
HOLD_BACK = ["Thanks for holding.", "Thanks for waiting, I'm back.", "Right, thanks for your patience."]
ESCALATE_CUST = ["Can I speak to a manager please?", "I want to speak to a supervisor.",
                 "This isn't good enough, I want to escalate this.", "Put me through to someone more senior."]
ESCALATE_AGENT = ["Of course, I'll pass you to my team leader now.",
                  "Okay, I'll get my team leader to pick this up with you."]
TRANSFER = ["I'm going to transfer you to our {queue2} team, they'll be able to help.",
            "Let me transfer you to the right department.",
            "I'll be transferring you now, please stay on the line."]
REPEAT_CUE = ["This is the third time I'm calling about this.", "I've already called twice this week.",
              "I've explained this to three different people now.",
              "Every time I get in touch I have to start from scratch."]
REACTION = {"pos": ["Brilliant, thank you so much.", "That's great, thanks.", "Perfect, really appreciate it."],
            "neu": ["Okay, thanks.", "Fine, that works.", "Alright."],
            "neg": ["That's not good enough.", "Fine, whatever.", "I'll believe it when I see it.",
                    "So I just have to wait again?"]}
AGENT_CLOSE = ["Is there anything else I can help with today?", "Anything else I can do for you?",
               "Is there anything else at all?"]
AGENT_BYE = ["Thanks for calling Northwind, have a good day.", "Thanks for contacting Northwind, take care.",
             "Thanks for your patience today, bye now."]
CUST_CLOSE = ["No, that's everything.", "No thanks, bye.", "That's all, cheers.", "No."]

OPENERS = {"neg": ["Honestly,", "Where do I start.", "Not happy.", "Really disappointed.",
                   "I'm writing to complain.", "Again!", "Seriously,"],
           "pos": ["Just wanted to say,", "Honestly,", "Credit where it's due."],
           "neu": ["Hi,", "Quick question.", "Hello,"]}
EMOTION = {"neg": ["Absolutely fed up.", "This is not good enough.", "I'm seriously considering leaving.",
                   "Sort it out.", "Shocking.", "Very frustrated.",
                   "I've been a customer for {years} years and this is how I'm treated.",
                   "It's been a nightmare from start to finish.", "I expect better."],
           "pos": ["Thanks again!", "Keep it up.", "Would recommend.", "Happy customer.", "Top marks."],
           "neu": ["Thanks.", "Let me know what I need to do.", "Cheers.", "Thanks in advance."]}
# Background sentences that make longer texts ramble the way people do.
NARRATIVE = {"neg": ["I rang on {weekday} and was told it would be sorted within {days} days.",
                     "I've been with you since {years_ago} and never had this much trouble.",
                     "I've spent hours of my life on this now.", "My partner thinks I should just switch provider.",
                     "I'm not usually one to complain but this has gone on long enough.",
                     "Every time I explain it I get a different answer.",
                     "I was promised a call back on {weekday} that never came.",
                     "I've had to take time off work to deal with this.",
                     "I even went into one of your shops and they told me to ring the helpline."],
             "pos": ["I've been with Northwind since {years_ago}.",
                     "I was a bit nervous about switching but it has been painless.",
                     "I'd happily recommend you to friends and family.",
                     "The whole thing took less time than making a cup of tea.",
                     "I've had bad experiences with other providers so this was a nice surprise."],
             "neu": ["I've had a look on the website but couldn't find the answer.",
                     "I'm comparing options before the end of the month.",
                     "My circumstances have changed a bit this year.",
                     "I'm happy with the service, it's just the admin side."]}
RESOLVED = ["{agent_name} sorted it out in the end though.", "To be fair the agent fixed it quickly.",
            "Issue resolved on the call, thanks.", "Credit to {agent_name}, it's fixed now.",
            "Resolved, but it shouldn't have happened in the first place."]
UNRESOLVED = ["Still not fixed.", "Nobody has got back to me.", "I'm still waiting for a resolution."]
APP_UPDATE_LINES = ["This has only been happening since the update.", "It all started with version 5.2.",
                    "Ever since the new app update it's been useless.", "The latest update has broken it completely.",
                    "It worked fine until I installed version 5.2.", "Since the update on {weekday} it's been like this.",
                    "Please roll back the new app update.", "v5.2 is a disaster."]
REVIEW_PREFIX = ["Been with Northwind for {years} years.", "Switched over last year.", "Customer since {years_ago}.", ""]
GENERIC_TITLES = {"neg": ["Avoid!", "Terrible customer service", "Not impressed", "Going downhill", "1 star is too many"],
                  "pos": ["Great service", "Very happy", "Five stars", "Reliable"],
                  "neu": ["It's ok", "Average", "Does the job", "Mixed feelings"]}
GENERIC_SUBJECTS = ["Complaint", "Re: my account {customer_id}", "Urgent", "Please help", "Query", "Feedback"]
GREETINGS = ["Hi,", "Dear Northwind,", "Hello team,", "To whom it may concern,", "Hi there,", ""]
REQUESTS = {"neg": ["Please can someone call me back.", "I expect a full refund.", "I want this resolved this week.",
                    "Please reply in writing.", "I'd like to make a formal complaint."],
            "pos": ["No need to reply.", "Please pass this on to the team."],
            "neu": ["Please let me know.", "Thanks for your help."]}
SIGNOFFS = ["Thanks,\n{cust_name}", "Regards,\n{cust_name}", "Kind regards\n{cust_name}", "{cust_name}", "Sent from my iPhone"]
SUMMARY_TEMPLATES = ["Customer called about {issue}; {action}.", "Cust rang re {issue}. {action_cap}.",
                     "Caller reported {issue}. Checked account and {action}.",
                     "[Auto-summary] The customer contacted Northwind regarding {issue}. Outcome: {action}.",
                     "Inbound call: {issue}. {action_cap}.", "{issue_cap} - {action}.",
                     "Cust called re {issue}, {action}."]
SUMMARY_MOOD = {"pos": ["Cust happy with outcome.", "Thanked agent.", ""],
                "neu": ["", "No further action."],
                "neg": ["Cust still unhappy.", "Cust frustrated but accepted resolution.", "Customer very upset.", ""]}
SUMMARY_ESCALATED = ["Cust asked for a manager, escalated to team leader.", "Escalated to TL at cust request."]
SUMMARY_TRANSFER = ["Transferred to {queue2}.", "Warm transfer to {queue2} team."]
SUMMARY_REPEAT = ["Repeat contact, {nth} call on this.", "Cust has called before about this."]
NON_ENGLISH = [
    "El router no funciona desde hace tres días y nadie me ayuda.",
    "Me han cobrado dos veces la factura de este mes, quiero mi dinero.",
    "Muy buena atención, el agente fue muy amable.",
    "Je n'ai plus internet depuis lundi, c'est inadmissible.",
    "La facture est beaucoup trop élevée ce mois-ci.",
    "Service client très efficace, merci beaucoup.",
    "Seit Tagen kein Internet, ich bin sehr unzufrieden.",
    "Die Rechnung ist viel zu hoch, bitte prüfen Sie das.",
    "Sehr freundlicher Mitarbeiter, Problem schnell gelöst.",
]
EMOJI = {"neg": ["😡", "🙄", "😤", "🤬", "💔", "👎"], "pos": ["👍", "😊", "🙏", "⭐⭐⭐⭐⭐", "🎉"],
         "neu": ["🤔", "🙂", "📶"]}


# Human-readable signal descriptions and the phrases that mark each one (manifest.json).
SIGNAL_TEXT = {
    "billing_incident": "Double-charge complaints reach ~3x their usual share in one week and "
                        "those customers give very low scores, so that week's survey NPS drops.",
    "empathy_gap": "Orion agents rarely use empathy phrases with upset customers in chats and "
                   "calls (~10% vs ~70% for other teams); their CSAT is a little lower.",
    "app_release_v5_2": "From the release week on, login failure / 2FA / app crash complaints "
                        "about double in share and most of them blame the v5.2 update.",
    "emerging_esim": "A new theme, eSIM activation failures, makes up ~4% of records in the last "
                     "two weeks and is absent before.",
    "tech_support_wait_rising": "In the tech_support queue, long-hold complaints rise week by "
                                "week over the last 4 weeks and call holds get longer.",
    "escalation_prone_agent": "Agent A042 gets ~3x the escalation requests and transfers of "
                              "peers (chats, calls and call summaries).",
}
SIGNAL_KEYWORDS = {
    "billing_incident": list(DOUBLE_CHARGE_KEYWORDS), "empathy_gap": list(EMPATHY_PHRASES),
    "app_release_v5_2": list(APP_UPDATE_MARKERS), "emerging_esim": ["eSIM", "QR code"],
    "tech_support_wait_rising": ["on hold", "hold music", "queue", "waited", "waiting"],
    "escalation_prone_agent": list(ESCALATION_PHRASES + TRANSFER_PHRASES),
}

"""Build the labelled PII evaluation set ``benchmarks/data/pii_eval.jsonl``.

Run from the repository root::

    python benchmarks/make_pii_eval.py          # rebuild and write the file
    python benchmarks/make_pii_eval.py --check  # fail if the committed file is stale

Every text is synthetic: templates of contact-center text (call transcripts, chats, emails,
survey verbatims, agent summaries, reviews) are filled with generated values, and the character
offsets of each inserted PII value are recorded as it is inserted. Slots that hold look-alikes
(dates, order numbers, Luhn-invalid card numbers, IBANs with wrong check digits, ...) insert text
that is deliberately *not* labelled. The set was written without reference to the project's PII
detector, so that its scores on it are honest.

Output: one JSON object a line, ``{"id", "text", "entities": [{"start", "end", "type"}]}``, with
Python ``str`` offsets into ``text`` (end exclusive). The build is deterministic
(``random.Random(2026)``) and checks its own consistency before anything is written.
"""

from __future__ import annotations

import ipaddress
import json
import random
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

SEED = 2026
OUT_PATH = Path(__file__).resolve().parent / "data" / "pii_eval.jsonl"

TYPES = ("PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "IBAN_CODE",
         "IP_ADDRESS", "LOCATION")
MIN_POSITIVES = 60   # positive entities wanted for each type
MIN_NEGATIVES = 200  # texts built around look-alikes, with no entity at all

# ------------------------------------------------------------------------------------------
# Checksums and validity rules (the same rules the tests re-implement independently)
# ------------------------------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    """True when a string of digits passes the Luhn (mod 10) check."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_complete(partial: str) -> str:
    """``partial`` plus the one check digit that makes it Luhn-valid."""
    return next(partial + d for d in "0123456789" if luhn_valid(partial + d))


def _alnum_to_digits(text: str) -> str:
    return "".join(str(int(ch, 36)) for ch in text)


IBAN_LENGTHS = {"GB": 22, "DE": 22, "FR": 27, "ES": 24, "NL": 18, "IE": 22, "IT": 27}


def iban_valid(iban: str) -> bool:
    """ISO 13616 check: known country length and mod-97 of the rearranged number equals 1."""
    compact = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", compact):
        return False
    if IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    return int(_alnum_to_digits(compact[4:] + compact[:4])) % 97 == 1


def iban_check_digits(country: str, bban: str) -> str:
    return f"{98 - int(_alnum_to_digits(bban + country + '00')) % 97:02d}"


def ssn_valid(ssn: str) -> bool:
    """Looks like an issuable SSN: area not 000/666/9xx, group not 00, serial not 0000."""
    m = re.fullmatch(r"(\d{3})([- ])(\d{2})\2(\d{4})", ssn)
    if not m:
        return False
    area, _, group, serial = m.groups()
    return (area not in ("000", "666") and not area.startswith("9") and group != "00"
            and serial != "0000")


EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


# ------------------------------------------------------------------------------------------
# Value banks
# ------------------------------------------------------------------------------------------

# origin: (male first names, female first names, male surnames, female surnames), weight
NAME_BANK: dict[str, tuple[tuple[list[str], list[str], list[str], list[str]], int]] = {
    "british": ((["Oliver", "George", "Harry", "Jack", "Thomas", "James", "Gary", "Graham",
                  "Will", "Mark", "Bill", "Daniel", "Callum", "Stuart", "Tom"],
                 ["Charlotte", "Amelia", "Emily", "Sophie", "Karen", "Lucy", "Hannah", "Sarah",
                  "Grace", "Jane", "Rebecca", "Gemma", "Joanne", "May", "Holly"],
                 ["Smith", "Jones", "Taylor", "Brown", "Clarke", "Wright", "Hughes", "Edwards",
                  "Thompson", "Walker", "Robinson", "Whitfield", "Pemberton", "Ashworth", "Doe",
                  "Fletcher", "Barnes", "Holloway", "Smith-Jones", "Marsh"],
                 []), 5),
    "irish": ((["Ciaran", "Padraig", "Sean", "Declan", "Eoin", "Cathal", "Niall"],
               ["Siobhan", "Niamh", "Aoife", "Roisin", "Orla", "Sinéad", "Caoimhe"],
               ["O'Connor", "Murphy", "O'Sullivan", "Byrne", "Gallagher", "Doyle", "McCarthy",
                "Kavanagh", "Fitzgerald", "O'Brien"],
               []), 2),
    "indian": ((["Rahul", "Arjun", "Vikram", "Sanjay", "Rohan", "Aditya", "Karthik"],
                ["Priya", "Ananya", "Deepika", "Lakshmi", "Kavya", "Sneha", "Pooja"],
                ["Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Chatterjee", "Menon",
                 "Krishnan", "Singh"],
                []), 2),
    "pakistani": ((["Imran", "Bilal", "Usman", "Hamza", "Faisal", "Tariq"],
                   ["Ayesha", "Fatima", "Zainab", "Sana", "Hira", "Mehwish"],
                   ["Khan", "Qureshi", "Malik", "Chaudhry", "Siddiqui", "Butt", "Raza",
                    "Hussain"],
                   []), 2),
    "nigerian": ((["Chinedu", "Oluwaseun", "Emeka", "Tunde", "Babajide", "Ikechukwu"],
                  ["Ngozi", "Adaeze", "Folake", "Chiamaka", "Yetunde", "Funmilayo"],
                  ["Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Nwosu", "Abubakar",
                   "Oyelaran"],
                  []), 2),
    "polish": ((["Piotr", "Tomasz", "Krzysztof", "Łukasz", "Paweł", "Marek"],
                ["Katarzyna", "Agnieszka", "Magdalena", "Zofia", "Małgorzata", "Joanna"],
                ["Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Lewandowski", "Kamiński"],
                ["Kowalska", "Nowak", "Wiśniewska", "Wójcik", "Lewandowska", "Kamińska"]), 2),
    "chinese": ((["Wei", "Hao", "Jun", "Xiaoming", "Zhiwei", "Lei"],
                 ["Jing", "Mei", "Yan", "Xiuying", "Li", "Fang"],
                 ["Zhang", "Wang", "Chen", "Liu", "Huang", "Zhao", "Wu", "Zhou", "Xu"],
                 []), 2),
    "vietnamese": ((["Minh", "Duc", "Tuan"], ["Linh", "Thanh", "Huong"],
                    ["Nguyen", "Tran", "Pham", "Le"], []), 1),
    "hispanic": ((["José", "Alejandro", "Diego", "Javier", "Mateo", "Carlos"],
                  ["María", "Lucía", "Carmen", "Sofía", "Valentina", "Ana"],
                  ["García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez",
                   "Sánchez", "Ramírez", "Torres", "García Márquez", "de la Cruz"],
                  []), 2),
    "arabic": ((["Mohammed", "Ahmed", "Omar", "Yousef", "Khalid", "Hassan"],
                ["Fatima", "Layla", "Noor", "Mariam", "Aisha", "Huda"],
                ["Al-Farsi", "Haddad", "Mansour", "Khalil", "Al-Rashid", "Nasser", "Saleh",
                 "El-Sayed", "Hamdan"],
                []), 2),
}
TITLES = {"m": ["Mr", "Mr."], "f": ["Mrs", "Mrs.", "Ms", "Ms.", "Miss"], "any": ["Dr", "Dr."]}

EMAIL_DOMAINS = ["example.com", "example.org", "example.net", "example.co.uk",
                 "mail.example.co.uk", "home.example.co.uk", "customers.example.com",
                 "gmail.com", "outlook.com", "hotmail.co.uk", "yahoo.co.uk", "btinternet.com",
                 "icloud.com", "proton.me"]
AGENT_DOMAINS = ["support.example.com", "northwind.example.com", "help.example.co.uk"]
EMAIL_TAGS = ["orders", "billing", "news", "support", "2026", "refunds"]
EMAIL_HANDLES = ["bluefox77", "mum.and.dad", "fastcars1990", "the_gardener", "sunshine_84",
                 "jk.1988", "night.owl", "home-office", "cyclist42", "info.flat3"]

UK_STREETS = ["Baker", "Acacia", "Victoria", "Station", "Church", "Park", "Mill", "King",
              "Elm", "Oak", "Windsor", "Albert", "Chapel", "Meadow", "Highfield", "Grange",
              "Manor", "Springfield", "Beech", "Willow", "Cedar", "Orchard", "Queen's",
              "St John's", "Carlton", "Hawthorn"]
UK_SUFFIXES = ["Street", "Road", "Avenue", "Lane", "Close", "Drive", "Way", "Crescent",
               "Gardens", "Terrace", "Grove", "Place", "Court", "Mews", "Rise", "St", "Rd",
               "Ave", "Ln"]
UK_CITIES = [("Leeds", ["LS"], 29), ("Manchester", ["M"], 40), ("Birmingham", ["B"], 99),
             ("Bristol", ["BS"], 41), ("Glasgow", ["G"], 84), ("Edinburgh", ["EH"], 55),
             ("Cardiff", ["CF"], 24), ("Liverpool", ["L"], 38), ("Sheffield", ["S"], 36),
             ("Newcastle upon Tyne", ["NE"], 15), ("Nottingham", ["NG"], 25),
             ("Belfast", ["BT"], 17), ("London", ["SE", "E", "N", "SW", "W", "NW"], 20),
             ("York", ["YO"], 32), ("Reading", ["RG"], 31)]
POSTCODE_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
FAMOUS_UK = ["10 Downing St", "221B Baker Street", "14 Baker Street",
             "Flat 3, 22 Acacia Avenue, Leeds LS6 2AB", "Apartment 5b 10 Downing St"]
FAMOUS_POSTCODES = ["SW1A 1AA", "M1 1AE", "LS6 2AB", "B33 8TH", "CR2 6XH", "DN55 1PT",
                    "EC1A 1BB", "W1A 0AX"]

US_STREETS = ["Main", "Oak", "Maple", "Pine", "Cedar", "Elm", "Washington", "Lincoln",
              "Sunset", "Lake", "Hill", "Park", "Fifth", "Second", "Madison", "Evergreen",
              "Jefferson", "Highland", "Mission", "Broadway"]
US_SUFFIXES = ["St", "Ave", "Blvd", "Rd", "Dr", "Ln", "Way", "Ct", "Street", "Avenue",
               "Terrace", "Place"]
US_CITIES = [("San Francisco", "CA", "941"), ("New York", "NY", "100"), ("Austin", "TX", "787"),
             ("Chicago", "IL", "606"), ("Seattle", "WA", "981"), ("Boston", "MA", "021"),
             ("Denver", "CO", "802"), ("Atlanta", "GA", "303"), ("Springfield", "IL", "627"),
             ("Portland", "OR", "972"), ("Miami", "FL", "331"), ("Phoenix", "AZ", "850")]
FAMOUS_US = ["1600 Pennsylvania Ave NW, Washington, DC 20500", "742 Evergreen Terrace",
             "350 Fifth Avenue, Suite 4100, New York, NY 10118"]

TEST_CARDS = ["4111 1111 1111 1111", "4242424242424242", "5555 5555 5555 4444",
              "378282246310005", "6011111111111117", "5105-1051-0510-5100",
              "4000 0566 5566 5556", "3714 496353 98431"]

HANDLES = ["Northwind", "NorthwindHelp", "VirginMedia", "AmazonHelp", "RoyalMail",
           "SkyHelpTeam", "NorthwindUK"]
PRODUCTS = ["Galaxy S24", "Sky Q box", "iPhone 15 Pro", "Fibre 500 bundle", "Pixel 8",
            "Hub 3 router", "Echo Dot"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]

# ------------------------------------------------------------------------------------------
# Templates. ``{kind}`` is a slot filled by ``Filler.k_<kind>``; ``{kind@2}`` is a second,
# different value of the same kind (a repeated ``{kind}`` repeats the same value);
# ``{kind:lower}`` / ``{kind:upper}`` change its case. Everything else is literal text.
# ------------------------------------------------------------------------------------------

CARD_TEMPLATES = [
    "Customer: yeah the card number is {card}\nAgent: Thank you. And the expiry date?\n"
    "Customer: {expiry}",
    "can u just charge it to {card} pls, the other one expired",
    "Agent summary: {name} updated the payment card on file to {card}. Old card ending "
    "{last4} removed.",
    "I was charged twice on {card} for order {order} - please refund one of them!",
    "Hi team,\n\nPlease take this month's payment from {card} instead of the card ending "
    "{last4}.\n\nThanks,\n{first}",
    "[Chat 14:02] Customer: {card}\n[Chat 14:02] Agent: Please don't share full card numbers "
    "in chat, I've masked it now.",
    "My new Visa is {card_visa}, the old one was cancelled on {date}.",
    "{card} is the card i used",
    "1 star. They asked me to type my card number ({card}) into a chat window!!",
    "CARD NUMBER: {card}\nEXP: {expiry}\nNAME ON CARD: {name:upper}",
    "Agent: Could you read me the long number on the front of the card?\nCustomer: it's {card}",
    "Survey comment: the website kept rejecting {card} even though it works everywhere else",
    "Refund of {amount} issued to card {card}, ref {ref}.",
    "There are two cards on my account, {card} and {card@2}; please delete the second one.",
    "Complaint from {title} {last}: charged {amount} on {card} after cancelling on {date}.",
    "Customer tried to pay with Amex {card_amex} but the portal only takes Visa/Mastercard.",
    "pls remove my card {card} from your system, I don't want it stored",
    "Called to dispute a transaction of {amount} on {card_mc}. Chargeback form sent.",
    "Agent: ok and which card would you like to use?\nCaller: the discover one, {card_discover}",
    "The payment page shows {card} but that's my husband's card, not mine.",
    "card no.{card} exp {expiry} cvv i'm not giving you",
    "Amex: {card_amex}\nMastercard: {card_mc}",
]

NEG_CARD_TEMPLATES = [
    "Order number {order_long} still hasn't arrived, it's been {duration}.",
    "Tracking number {tracking} says delivered but there's nothing here.",
    "The number I typed was {bad_card} and it got declined - maybe I mistyped it?",
    "Invoice {invoice} is wrong, I was billed twice for March.",
    "My account number is {bad_account}, can you check why the direct debit failed?",
    "Your parcel {tracking} is out for delivery today between {time} and {time@2}.",
    "Please refund the card ending in {last4}.",
    "Reference {bad_long} was quoted on the letter but nobody can find it.",
    "Meter serial {bad_long}, reading {reading}.",
    "Agent: I can see the payment from the card ending {last4} on {date}.",
    "Order {order} / invoice {invoice}: item arrived damaged.",
    "Customer quoted consignment {tracking} and order {order_long}.",
    "Card declined? The number on the form was {bad_card}, which fails validation.",
    "gift card code {gift_code} doesn't work at checkout",
    "Voucher {bad_card} rejected at the till",
    "Policy number {bad_account} renewal quote was {amount}.",
    "two parcels: {tracking} and {tracking@2}, only one turned up",
    "Agent note: customer read out {bad_card} but it fails the check, asked them to re-read "
    "the card.",
]

PHONE_TEMPLATES = [
    "Customer: best number to reach me is {phone_uk}\nAgent: Lovely, I've added that.",
    "Please call me back on {phone} after {time}.",
    "my mobile is {phone_mobile} if the landline {phone_land} doesn't answer",
    "Agent note: cust asked for a callback on {phone}. Promised within {duration}.",
    "Hi, this is {name} - you can reach me on {phone_us}.",
    "Call summary: {title} {last} rang from {phone}, wants to cancel the broadband.",
    "Number changed to {phone_mobile}, please update.",
    "You can reach our US office at {phone_us} or the toll free line {phone_tollfree}.",
    "Kind regards,\n{agent_full}\nCustomer Support\nTel: {phone_land}",
    "I'm travelling, so use my {country} number {phone_intl} for the next {duration}.",
    "tel:{phone}",
    "Phone: {phone}\nAlt phone: {phone@2}",
    "Q: How can we contact you?\nA: {phone} evenings only",
    "They kept calling me from {phone_land} at all hours, {count} times in one day!",
    "Caller ID showed {phone_intl}; customer confirmed it's a relative abroad.",
    "text me on {phone_mobile} not email",
    "Agent: Is {phone} still the best number?\nCustomer: Yes that's right.",
    "Missed call from {phone_us} about my claim, who is this?",
    "WhatsApp: {phone_intl}",
    "The engineer said to ring {phone_land} but that goes to voicemail.",
    "Customer: my daughter's number is {phone_mobile}, she deals with the account\n"
    "Agent: Noted.",
    "Contact: {phone_us} (cell), {phone_us@2} (work)",
    "call back on {phone_uk} or {phone_intl} pls",
]

NEG_PHONE_TEMPLATES = [
    "My appointment is on {date_slash} at {time}, please don't move it again.",
    "Paid {amount} on {date_iso} and it's still showing as owed.",
    "Order {order_hash} (also listed as {order_code}) hasn't arrived.",
    "App version {version} keeps crashing. Updated to {vversion} yesterday, same problem.",
    "Broadband is meant to be {speed} but I'm getting {speed@2} at best.",
    "Please quote ref {ref} when you reply.",
    "Ticket {ticket} raised at {time} on {date}.",
    "The bill went from {amount} to {amount@2} with no warning!!",
    "Was on hold for {minutes} minutes, call started {time} and ended {time@2}.",
    "Points balance {points}, I need {points@2} for the upgrade.",
    "Agent: your case number is {ref}. Anything else?\nCustomer: No thanks.",
    "Contract started {date_slash}, ends {date_slash@2}, early exit fee {amount}.",
    "firmware {version} -> {version@2}, router still drops every {minutes} mins",
    "Direct debit of {amount} collected {date_iso}, reference {order_code}.",
    "scored us 2/10 on {date}",
    "Delivery slot {time}-{time@2} on {date_slash} missed again",
    "Your order {order_hash} of {count} items has been dispatched.",
    "Price per month: {amount}. Setup fee: {amount@2}. Total first bill {amount@3}.",
    "Ticket {ticket} and ticket {ticket@2} are the same issue, please merge",
]

EMAIL_TEMPLATES = [
    "Customer: my email is {email}\nAgent: Thanks, and just to confirm that's all lower case?",
    "Please send the invoice to {email} not my old address.",
    "From: {name} <{email}>\nSubject: Complaint about engineer visit\n\nNobody turned up on "
    "{date}.",
    "my email changed to {email_upper} can u update",
    "Agent note: verification link resent to {email}; customer says it lands in spam.",
    "You can reply to me at {email} or {email@2}.",
    "Reach out to {agent_email} if anything else comes up.\n\nBest,\n{agent}",
    "email: {email}",
    "I never signed up with {email}, someone else is using my details!",
    "cc: {agent_email}; {email}",
    "Hi, please unsubscribe {email} from all marketing, thanks.",
    "Survey verbatim: the reset password email never came through to {email}",
    "Contact preference updated: email ({email}), no SMS.",
    "Sent from {email} on {date}: still waiting for my refund",
    "To: <{agent_email}>\nCc: <{email}>\n\nSee attached photos of the damage.",
    "EMAIL ADDRESS: {email_upper}",
    "Agent: Can I take an email for the receipt?\nCustomer: yeah it's {email}",
    "new email is {email} (old one {email@2} is closed)",
]

NEG_EMAIL_TEMPLATES = [
    "Tweeted @{handle} on Twitter three times and nobody replied.",
    "DM'd @{handle} but got an automated reply.",
    "Bought 2 @ {amount} each, so why was I charged for 3?",
    "The email field on the form says it's required but won't accept the @ sign?",
    "Customer asked for our email address but complaints are by phone or post only.",
    "See you @ {time} for the engineer visit.",
    "I typed my email as user@ and the page just hung.",
    "Follow us @{handle} for service updates.",
    "emailed your support team twice, no answer",
    "The @ key on the keyboard you sold me doesn't work.",
    "@{handle} your app is down again",
    "Agent: I've sent the confirmation to the email on file.\nCustomer: Great, thanks.",
]

SSN_TEMPLATES = [
    "Customer: my social security number is {ssn}\nAgent: Thank you, that matches our "
    "records.",
    "SSN: {ssn}",
    "Agent note: identity verified with SSN {ssn} and date of birth {dob}.",
    "for the credit check they want my social, it's {ssn}",
    "The W-9 you sent back has my SSN as {ssn}, which is right, but my name is spelled wrong.",
    "Please remove my social security # {ssn} from your records, I closed the account.",
    "Caller gave SSN {ssn} for the account holder, {name}.",
    "soc sec no {ssn}",
    "Application for {name}: SSN {ssn}, phone {phone_us}.",
    "I don't want to give my SSN ({ssn}) over chat, is that safe?",
    "Agent: Last thing, I need the full Social Security number.\nCustomer: Sure, {ssn}.",
    "Tax ID on file: {ssn}. Customer says it's their social, not an EIN.",
    "my ssn is {ssn} and my wife's is {ssn@2}",
    "Social Security No.: {ssn}\nDOB: {dob}",
    "Verified caller via last name {last} and SSN {ssn}.",
    "They printed my social ({ssn}) on the envelope!! Unbelievable.",
]

NEG_SSN_TEMPLATES = [
    "The form defaults to SSN {bad_ssn}, which is obviously a placeholder.",
    "Customer entered {bad_ssn} in the social security field and the system rejected it.",
    "Ticket {ssn_like} was closed without a fix.",
    "Serial no. {ssn_like} printed under the router.",
    "Batch {ssn_like} of the statements went out late.",
    "We don't ask for your Social Security number over chat.",
    "Agent: I can't take SSNs over the phone, please use the secure form.",
    "Example on the leaflet: SSN {bad_ssn}",
    "Policy {ssn_like} lapsed on {date}.",
    "Employer ID (EIN) {ein} is printed on the invoice.",
    "the test account uses {bad_ssn} as its social",
    "Part number {ssn_like} is out of stock.",
]

IBAN_TEMPLATES = [
    "Please refund to my account, IBAN {iban}.",
    "Customer: my IBAN is {iban}\nAgent: Thanks, and the name on the account?\nCustomer: "
    "{name}",
    "Bank details for the refund:\nName: {name}\nIBAN: {iban}\nBIC: {bic}",
    "Direct debit mandate changed to {iban} from {date}.",
    "Agent summary: customer asked for a SEPA refund to {iban}.",
    "iban {iban} pls",
    "The refund went to my old account {iban} which is closed now!",
    "Pay the compensation into {iban} please, account holder {title} {last}.",
    "IBAN: {iban}\nReference: {ref}",
    "I have two accounts, {iban} and {iban@2}; use the first.",
    "Supplier IBAN updated to {iban}, please confirm before paying invoice {invoice}.",
    "Merci de rembourser sur le compte {iban_fr}.",
    "Bitte auf {iban_de} überweisen, danke.",
    "Agent: Can you read the IBAN slowly?\nCustomer: {iban}",
    "refund not received, my iban is {iban} and the bank says nothing came in",
]

NEG_IBAN_TEMPLATES = [
    "The IBAN on your letter, {bad_iban}, is rejected by my bank as invalid.",
    "I think I mistyped it: {bad_iban}",
    "Sort code {sort_code}, account ending {last4}.",
    "Where do I find my IBAN? The app only shows the sort code.",
    "SWIFT/BIC {bic} is correct but the IBAN {bad_iban} keeps failing.",
    "Agent: the IBAN you gave, {bad_iban}, fails the check, could you read it again?",
    "Payment reference {order_code} on the bank transfer.",
    "Can I pay by IBAN transfer instead of card?",
    "form says IBAN must start with the country code, mine is {bad_iban}?",
]

IP_TEMPLATES = [
    "Router admin page is at {router_ip} but it won't load.",
    "Agent: can you type {router_ip} into your browser?\nCustomer: ok done, it's asking for a "
    "password",
    "my public ip is {ipv4_public}, the game server keeps kicking me",
    "Customer's WAN IP {ipv4_public} appears on the blocklist.",
    "Login attempts from {ipv4_public} and {ipv4_public@2} that weren't me!!",
    "Static IP assigned: {ipv4_public}. Gateway {router_ip}.",
    "IPv6 address showing as {ipv6}, is that normal?",
    "Ping to {ip} times out after {count} hops.",
    "The DNS was set to {ipv4_public} which isn't ours.",
    "security alert: new sign in from {ip} ({city})",
    "Link-local address {ipv6_ll} on the ethernet adapter, no global address.",
    "Agent notes: port forwarding 3074 to {lan_ip} set up for the customer's console.",
    "Traceroute stops at {ipv4_public}",
    "Customer: the light is orange and {router_ip} says 'no internet'\nAgent: Let's reboot it.",
    "IP: {ip}\nMAC: {mac}",
    "printer is on {lan_ip} but laptop can't see it",
]

NEG_IP_TEMPLATES = [
    "Updated the app to {version} and now it crashes on launch.",
    "Router firmware {version} is apparently out of date, latest is {version@2}.",
    "Section 4.5.6.7.8 of the terms says nothing about this.",
    "Windows build {build} after the update.",
    "Meeting at {time} about the outage, ETA {time@2}.",
    "Price went from {amount} to {amount@2}.",
    "Scored 7.5 out of 10 this time, down from 8.2.",
    "{vversion} of the app logs me out every 10 minutes",
    "Switching from 2.4 GHz to 5 GHz fixed it.",
    "IP address field was blank in the diagnostics screen.",
    "Clause 12.3.1 says I can cancel within 14 days.",
    "error 0x80070005 after update {version}",
    "Box dimensions 1.2 x 3.4 x 5.6 m, way too big for the hallway.",
    "Speed test: {speed} down, 9.8 Mbps up, ping 14.2 ms.",
]

PERSON_TEMPLATES = [
    "Customer: Hi, my name is {name} and I'm calling about my bill.",
    "hi this is {agent} from billing, how can I help?",
    "{title} {last} called again about the missing refund.",
    "Spoke to {title} {last} who confirmed the address change.",
    "Thanks,\n{agent}",
    "Kind regards,\n{agent_full}",
    "I spoke to {other} yesterday and {he} said it was sorted.",
    "When I call, can I ask for {other}? {He} was brilliant.",
    "{name} called twice this morning about the same fault.",
    "my name is {name:lower} and i want to cancel",
    "Agent {agent} was so helpful, please pass on my thanks!",
    "Your advisor today was {agent_full}.",
    "The account is in my late father's name, {name}.",
    "Can {other} call me back? {He} said {he} would.",
    "Please ask for {other} at the front desk.",
    "Complaint raised by {title} {last} regarding {agent}'s attitude on the phone.",
    "Dear {title} {last},\n\nThank you for contacting us about your recent order.\n\n"
    "Yours sincerely,\n{agent_full}",
    "Account holder: {name}\nAuthorised user: {name@2}",
    "i was talking to {other:lower} on chat and it cut off",
    "{first} here, still waiting on that callback",
    "Survey: {agent} sorted everything in five minutes, 10/10.",
    "Transferred from {agent} to {agent@2} to {agent@3} and nobody could help!",
    "Hi {first}, thanks for getting in touch.",
    "Agent: Am I speaking with {name}?\nCustomer: Yes, speaking.",
    "My partner {other_full} is the account holder but I have permission to deal with it.",
    "Escalated to team leader {agent_full}.",
    "Cheers {agent}!",
    "{title} {name} asked for a copy of the call recording.",
    "ask for {other}, {he} knows the whole story",
    "Please note {name} is not authorised on this account.",
    "Best wishes,\n{agent_full}\nRetention Team",
    "customer {name} upset that {other_full} from the shop lied to them",
]

NEG_PERSON_TEMPLATES = [
    "Will you call me back before {day}?",
    "May {nth} is the earliest slot they offered.",
    "The grace period ended on {date} and I was charged a late fee.",
    "Bill was wrong again this month, {amount} more than quoted.",
    "Mark as resolved please, the engineer fixed it.",
    "My Galaxy S24 won't connect to the Sky Q box.",
    "iPhone 15 Pro screen cracked within a week of buying it from Amazon.",
    "Royal Mail lost the parcel and Northwind won't send another.",
    "Switched from Virgin Media because of the prices.",
    "Customer: Hello?\nAgent: Hello, thanks for calling, how can I help?\nCustomer: My internet "
    "is down again.",
    "Agent: Is there anything else?\nCustomer: No that's all, thanks.",
    "I live in London and the store on Oxford Street had no stock.",
    "Summer sale prices were not applied at checkout.",
    "Frank feedback: the new app is worse than the old one.",
    "Rose gold case arrived instead of the black one.",
    "Jack is broken on the headphones, sound only in one ear.",
    "Sunday delivery was promised, nothing came on Monday either.",
    "Hope you can sort this out before Christmas.",
    "Bill pay option is missing from the app menu.",
    "Will the price go up in {month}?",
    "Grace period for the payment was only 3 days.",
    "Mark the ticket as urgent.",
    "Apple Pay failed, so I used PayPal instead.",
    "The Amazon Echo keeps saying sorry, I don't know that.",
    "Customer says the Sky Q remote is unresponsive; Agent advised a reset.",
    "Great service from the Manchester team, really helpful.",
    "Dear Customer,\n\nYour order has been dispatched.\n\nKind regards,\nThe Northwind Team",
    "Thanks,\nCustomer Services",
    "Best regards,\nBilling Department",
    "Victoria station ticket machine took my money.",
    "Dr Martens boots arrived in the wrong size.",
    "Will do, thanks!",
    "Happy New Year! Still waiting on my refund from December.",
    "Sterling service as always.",
    "The {product} was delivered to the wrong house.",
    "Agent: Thank you for calling Northwind.\nCustomer: Hi, I need help with my Virgin Media bill.",
    "Dear Sir/Madam,\n\nI wish to complain.\n\nYours faithfully,\nA very unhappy customer",
    "Can you mark my bill as paid?",
]

LOCATION_TEMPLATES = [
    "Customer: I've moved, the new address is {addr_uk}.\nAgent: Thanks, I've updated that.",
    "Please deliver to {addr_uk}, use the side door.",
    "my postcode is {postcode}",
    "Engineer visit booked for {addr_uk} on {date}.",
    "Ship to: {addr_us}",
    "Billing address: {addr_us}",
    "The parcel went to {street} instead of {street@2}!",
    "Return address:\n{addr_block}",
    "Agent summary: address changed from {addr_uk} to {addr_uk@2}.",
    "Can you check coverage for {postcode}? Neighbours have fibre.",
    "I'm at {addr_us}, the package was left at the wrong door.",
    "Customer in {zipstate} asked about the price increase.",
    "Post code: {postcode:lower}",
    "moved to {street}, same town",
    "send the new router to {addr}",
    "Address on file: {addr}",
    "the van drove past {street} twice and marked it as no access",
    "State/ZIP: {zipstate}",
    "Hi, I live at {addr_uk} and the bins weren't collected.",
    "Deliver to {title} {last}, {addr_uk}",
    "is fibre available at {postcode} yet",
    "Customer: it's {street}\nAgent: And the postcode?\nCustomer: {postcode}",
]

NEG_LOCATION_TEMPLATES = [
    "5 stars, would recommend!",
    "Took {days} days to get a reply.",
    "Only getting 2 Mbps after 10 minutes.",
    "Delivery was due within 48 hours but took a week.",
    "Rated 3 stars because the engineer was 2 hours late.",
    "Our High Street branch closed so now I have to drive to Leeds.",
    "Press 1 for billing, 2 for technical support, then option 3 again.",
    "Step 4 of the setup guide doesn't match the app.",
    "Terminal 5 collection point was closed.",
    "Contract is 24 months, I was told 18 months.",
    "10 out of 10 for the new app!",
    "Gate 12 at the retail park was locked.",
    "I've been a customer for 15 years and this is the worst it has been.",
    "Box 2 of 3 never arrived.",
    "Lives in Manchester, works in London, needs a signal on the train.",
    "The Market Street store told me to call you instead.",
    "Level 3 support said it would take 5 working days.",
    "Upgrading to the 900 Mbps package cost me {amount} more a month.",
    "4 engineers in 6 weeks and still no fix.",
    "Waited 45 minutes, then got cut off after 2 rings.",
]

MIXED_TEMPLATES = [
    "Agent: Can I take your full name?\nCustomer: {name}.\nAgent: And the best contact "
    "number?\nCustomer: {phone}\nAgent: And an email?\nCustomer: {email}",
    "Call summary ({date}): {title} {last} called from {phone_uk} about a double charge on "
    "{card}. Refund of {amount} raised, confirmation sent to {email}.",
    "From: {name} <{email}>\nTo: Customer Support\n\nHi,\n\nI moved to {addr_uk} last month "
    "but the bill still goes to my old address. My number is {phone_mobile}.\n\nThanks,\n"
    "{first}",
    "[{time}] {first:lower}: hi my name is {name:lower}\n[{time}] Agent {agent}: Hi {first}! "
    "How can I help?\n[{time@2}] {first:lower}: need to change my card to {card}",
    "New account opened for {name}, SSN {ssn}, DOB {dob}, address {addr_us}, phone "
    "{phone_us}.",
    "Refund request:\nName: {name}\nIBAN: {iban}\nEmail: {email}\nPhone: {phone}",
    "Customer {name} reports logins from {ipv4_public} that weren't them. Password reset "
    "sent to {email}.",
    "Kind regards,\n\n{agent_full}\nSenior Advisor | Northwind Support\nT: {phone_land} | E: "
    "{agent_email}\n{addr_uk}",
    "Dear {title} {last},\n\nWe have updated your direct debit to {iban} from {date}. If this "
    "wasn't you, call us on {phone_tollfree}.\n\nRegards,\n{agent}",
    "Survey: {agent} was lovely but I had to give my card number {card} twice and my "
    "postcode {postcode} three times. 6/10.",
    "Engineer {agent_full} visited {street} on {date}, router at {router_ip} reset to factory "
    "settings.",
    "{name} ({email}, {phone}) wants a callback re: order {order}.",
    "Shipping: {name}, {addr_us}\nBilling: same\nCard: {card}",
    "hi its {first:lower} again, my number is {phone_mobile} and email {email}, still no refund "
    "for order {order_hash}",
    "Account flagged: SSN {ssn} used with email {email} from IP {ipv4_public}.",
    "Escalation from {agent_full}: customer {name} at {addr_uk} says card {card} was charged "
    "after closing the account.",
    "Agent: I'll need to verify you. Can I have your name and social?\nCustomer: {name}, "
    "{ssn}.",
    "Please pay {amount} to IBAN {iban} quoting invoice {invoice}. Questions: {agent_email} / "
    "{phone_intl}.",
    "Review: Ordered an {product} to {addr_uk}, got the wrong colour. {agent} on chat was "
    "useless. - {name}",
    "Customer: Hi, it's {title} {last}, I'm at {addr_uk}, and my number's {phone_land}.\n"
    "Agent: Thanks {title} {last}, I can see the account.",
    "Ticket {ticket}: {name} ({phone_us}) at {addr_us} - router {router_ip} offline since "
    "{date}. Assigned to {agent}.",
    "Hello,\nplease close my account and send the balance to {iban}. You can call me on "
    "{phone_intl} or write to {email}.\nRegards,\n{name}",
    "Chat: my ip is {ipv4_public} and my email is {email}, why am I blocked?",
    "Verification: name {name}, SSN {ssn}, card {card}, ZIP/state {zipstate}.",
    "Agent {agent}: Is the email still {email}?\nCustomer: no it's {email@2} now, and the "
    "mobile is {phone_mobile}.",
]

NONE_TEMPLATES = [
    "The app is really easy to use now.",
    "Waited on hold far too long.",
    "Engineer was polite and fixed it quickly.",
    "Not happy with the price rise.",
    "Great service, thank you!",
    "Agent was helpful but the website is confusing.",
    "Customer called to ask about the new tariff; explained the options.",
    "Nothing to add.",
    "Please stop sending me marketing texts.",
    "internet keeps dropping in the evenings",
    "Agent: Thanks for waiting.\nCustomer: No problem.",
    "Refund received, all sorted.",
    "n/a",
    "The delivery driver was rude.",
    "Good value for money.",
    "Customer wanted to upgrade; booked an engineer visit.",
]

# (id prefix, templates, number of examples)
PLAN: list[tuple[str, list[str], int]] = [
    ("card", CARD_TEMPLATES, 50),
    ("phone", PHONE_TEMPLATES, 38),
    ("email", EMAIL_TEMPLATES, 36),
    ("ssn", SSN_TEMPLATES, 56),
    ("iban", IBAN_TEMPLATES, 52),
    ("ip", IP_TEMPLATES, 50),
    ("person", PERSON_TEMPLATES, 36),
    ("location", LOCATION_TEMPLATES, 42),
    ("mixed", MIXED_TEMPLATES, 50),
    ("neg-card", NEG_CARD_TEMPLATES, 32),
    ("neg-phone", NEG_PHONE_TEMPLATES, 32),
    ("neg-email", NEG_EMAIL_TEMPLATES, 14),
    ("neg-ssn", NEG_SSN_TEMPLATES, 22),
    ("neg-iban", NEG_IBAN_TEMPLATES, 18),
    ("neg-ip", NEG_IP_TEMPLATES, 24),
    ("neg-person", NEG_PERSON_TEMPLATES, 38),
    ("neg-location", NEG_LOCATION_TEMPLATES, 24),
    ("none", NONE_TEMPLATES, 16),
]
NO_ENTITY_PREFIXES = ("neg-", "none-")


# ------------------------------------------------------------------------------------------
# Slot filling
# ------------------------------------------------------------------------------------------


def _ascii_fold(text: str) -> str:
    text = text.replace("Ł", "L").replace("ł", "l")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode(
        "ascii", "ignore").decode()


def _email_part(text: str) -> str:
    return re.sub(r"[^a-z0-9-]", "", _ascii_fold(text).lower())


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _group(text: str, sizes: Iterable[int], sep: str) -> str:
    out, pos = [], 0
    for size in sizes:
        out.append(text[pos:pos + size])
        pos += size
    if pos < len(text):
        out.append(text[pos:])
    return sep.join(out)


def _group4(text: str, sep: str = " ") -> str:
    return sep.join(text[i:i + 4] for i in range(0, len(text), 4))


class Filler:
    """Fills the slots of one template. ``k_<kind>(tag)`` returns ``(value, type or None)``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.values: dict[tuple[str, str], tuple[str, str | None]] = {}
        self.personas: dict[str, dict[str, str]] = {}
        self.currency: str | None = None

    def fill(self, kind: str, tag: str) -> tuple[str, str | None]:
        key = (kind, tag)
        if key not in self.values:
            method: Callable[[str], tuple[str, str | None]] | None = getattr(
                self, f"k_{kind}", None)
            if method is None:
                raise KeyError(f"unknown slot kind {kind!r}")
            self.values[key] = method(tag)
        return self.values[key]

    # -- people ----------------------------------------------------------------------------

    def persona(self, key: str) -> dict[str, str]:
        if key not in self.personas:
            rng = self.rng
            used = {p[f] for p in self.personas.values() for f in ("first", "last")}
            while True:
                origin = rng.choices(list(NAME_BANK), [w for _, w in NAME_BANK.values()])[0]
                males, females, m_last, f_last = NAME_BANK[origin][0]
                gender = rng.choice("mf")
                first = rng.choice(males if gender == "m" else females)
                last = rng.choice(m_last if gender == "m" or not f_last else f_last)
                if first not in used and last not in used:
                    break
            self.personas[key] = {"first": first, "last": last, "gender": gender}
        return self.personas[key]

    def _full(self, key: str) -> str:
        p = self.persona(key)
        return f"{p['first']} {p['last']}"

    def k_name(self, tag: str) -> tuple[str, str]:
        return self._full(tag), "PERSON"

    def k_first(self, tag: str) -> tuple[str, str]:
        return self.persona(tag)["first"], "PERSON"

    def k_last(self, tag: str) -> tuple[str, str]:
        return self.persona(tag)["last"], "PERSON"

    def k_agent(self, tag: str) -> tuple[str, str]:
        return self.persona("agent" + tag)["first"], "PERSON"

    def k_agent_full(self, tag: str) -> tuple[str, str]:
        return self._full("agent" + tag), "PERSON"

    def k_other(self, tag: str) -> tuple[str, str]:
        return self.persona("other" + tag)["first"], "PERSON"

    def k_other_full(self, tag: str) -> tuple[str, str]:
        return self._full("other" + tag), "PERSON"

    def k_he(self, tag: str) -> tuple[str, None]:
        return ("he" if self.persona("other" + tag)["gender"] == "m" else "she"), None

    def k_He(self, tag: str) -> tuple[str, None]:  # the pronoun at the start of a sentence
        return self.k_he(tag)[0].capitalize(), None

    def k_title(self, tag: str) -> tuple[str, None]:
        gender = self.persona(tag)["gender"]
        pool = TITLES[gender] * 3 + TITLES["any"]
        return self.rng.choice(pool), None

    # -- email -----------------------------------------------------------------------------

    def k_email(self, tag: str) -> tuple[str, str]:
        rng = self.rng
        domain = rng.choice(EMAIL_DOMAINS)
        if rng.random() < 0.2:
            local = rng.choice(EMAIL_HANDLES)
        else:
            p = self.persona(tag)
            first, last = _email_part(p["first"]), _email_part(p["last"])
            local = rng.choice([
                f"{first}.{last}", f"{first}{last}", f"{first[0]}.{last}",
                f"{first}_{last}{rng.randint(10, 99)}", f"{first}.{last}+{rng.choice(EMAIL_TAGS)}",
                f"{last}.{first}", f"{first}{rng.randint(1960, 2005)}",
                f"{first[0]}{last}{rng.randint(1, 99)}",
            ])
        value = f"{local}@{domain}"
        if rng.random() < 0.08:
            value = value.upper()
        elif rng.random() < 0.1:
            value = value[0].upper() + value[1:]
        return value, "EMAIL_ADDRESS"

    def k_email_upper(self, tag: str) -> tuple[str, str]:
        return self.fill("email", tag)[0].upper(), "EMAIL_ADDRESS"

    def k_agent_email(self, tag: str) -> tuple[str, str]:
        p = self.persona("agent" + tag)
        first, last = _email_part(p["first"]), _email_part(p["last"])
        local = self.rng.choice([f"{first}.{last[0]}", first, f"{first}.{last}"])
        return f"{local}@{self.rng.choice(AGENT_DOMAINS)}", "EMAIL_ADDRESS"

    # -- phone -----------------------------------------------------------------------------

    def k_phone_mobile(self, tag: str) -> tuple[str, str]:
        rng = self.rng
        sub = f"900{rng.randint(0, 999):03d}"
        fmt = rng.choice(["07700 {s}", "07700 {s}", "07700{s}", "+44 7700 {s}", "+447700{s}",
                          "+44 (0)7700 {s}", "07700 {a} {b}"])
        return fmt.format(s=sub, a=sub[:3], b=sub[3:]), "PHONE_NUMBER"

    def k_phone_land(self, tag: str) -> tuple[str, str]:
        rng = self.rng
        line = f"0{rng.randint(0, 999):03d}"
        if rng.random() < 0.45:
            fmt = rng.choice(["020 7946 {l}", "(020) 7946 {l}", "+44 20 7946 {l}",
                              "+44 (0)20 7946 {l}", "02079460{k}", "020-7946-{l}"])
            return fmt.format(l=line, k=line[1:]), "PHONE_NUMBER"
        if rng.random() < 0.15:
            return f"0808 157 {line}", "PHONE_NUMBER"
        code = rng.choice(["161", "113", "117", "121", "131", "141", "114", "115"])
        fmt = rng.choice(["0{c} 496 {l}", "0{c} 496 {l}", "(0{c}) 496 {l}", "+44 {c} 496 {l}",
                          "0{c}496{l}"])
        return fmt.format(c=code, l=line), "PHONE_NUMBER"

    def k_phone_uk(self, tag: str) -> tuple[str, str]:
        return self.k_phone_mobile(tag) if self.rng.random() < 0.5 else self.k_phone_land(tag)

    def k_phone_us(self, tag: str) -> tuple[str, str]:
        rng = self.rng
        area = rng.choice(["415", "212", "312", "646", "617", "206", "303", "512", "305", "702"])
        line = f"01{rng.randint(0, 99):02d}"
        fmt = rng.choice(["({a}) 555-{l}", "{a}-555-{l}", "{a}.555.{l}", "+1 {a} 555 {l}",
                          "+1 ({a}) 555-{l}", "1-{a}-555-{l}", "({a}) 555-{l}"])
        return fmt.format(a=area, l=line), "PHONE_NUMBER"

    def k_phone_tollfree(self, tag: str) -> tuple[str, str]:
        rng = self.rng
        area = rng.choice(["800", "888", "877", "866"])
        line = f"01{rng.randint(0, 99):02d}"
        fmt = rng.choice(["1-{a}-555-{l}", "1 ({a}) 555-{l}", "{a}-555-{l}", "({a}) 555-{l}"])
        return fmt.format(a=area, l=line), "PHONE_NUMBER"

    INTL = [
        ("French", lambda r, d: f"+33 {r.choice('1234569')} {d(2)} {d(2)} {d(2)} {d(2)}"),
        ("German", lambda r, d: f"+49 30 {d(7)}"),
        ("German", lambda r, d: f"+49 151 {d(8)}"),
        ("Indian", lambda r, d: f"+91 9{d(4)} {d(5)}"),
        ("Irish", lambda r, d: f"+353 1 {d(3)} {d(4)}"),
        ("Irish", lambda r, d: f"+353 87 {d(3)} {d(4)}"),
        ("Polish", lambda r, d: f"+48 22 {d(3)} {d(2)} {d(2)}"),
        ("Nigerian", lambda r, d: f"+234 803 {d(3)} {d(4)}"),
        ("Pakistani", lambda r, d: f"+92 300 {d(7)}"),
        ("Chinese", lambda r, d: f"+86 138 {d(4)} {d(4)}"),
        ("Spanish", lambda r, d: f"+34 91{d(1)} {d(3)} {d(3)}"),
        ("UAE", lambda r, d: f"+971 4 {d(3)} {d(4)}"),
    ]

    def k_phone_intl(self, tag: str) -> tuple[str, str]:
        country, make = self.rng.choice(self.INTL)
        self.values[("country", tag)] = (country, None)
        def group(n: int) -> str:  # no group starts with 0 after the country code
            return str(self.rng.randint(1, 9)) + _digits(self.rng, n - 1)

        return make(self.rng, group), "PHONE_NUMBER"

    def k_country(self, tag: str) -> tuple[str, None]:
        self.fill("phone_intl", tag)
        return self.values[("country", tag)]

    def k_phone(self, tag: str) -> tuple[str, str]:
        pick = self.rng.choices(["mobile", "land", "us", "tollfree", "intl"], [4, 4, 4, 1, 2])[0]
        return getattr(self, f"k_phone_{pick}")(tag)

    # -- cards -----------------------------------------------------------------------------

    def _card_digits(self, network: str) -> str:
        rng = self.rng
        if network == "visa":
            prefix, length = "4", rng.choices([16, 13, 19], [8, 1, 1])[0]
        elif network == "mc":
            prefix = rng.choice(["51", "52", "53", "54", "55", str(rng.randint(2221, 2720))])
            length = 16
        elif network == "amex":
            prefix, length = rng.choice(["34", "37"]), 15
        else:
            prefix = rng.choice(["6011", "65", str(rng.randint(644, 649))])
            length = rng.choices([16, 19], [9, 1])[0]
        return luhn_complete(prefix + _digits(rng, length - len(prefix) - 1))

    def _format_card(self, digits: str) -> str:
        rng = self.rng
        style = rng.choices(["plain", "space", "dash"], [3, 5, 2])[0]
        if style == "plain":
            return digits
        sep = " " if style == "space" else "-"
        if len(digits) == 15:
            return _group(digits, (4, 6, 5), sep)
        if len(digits) == 13:
            return _group(digits, (4, 4, 5), sep)
        return _group4(digits, sep)

    def k_card(self, tag: str) -> tuple[str, str]:
        if self.rng.random() < 0.1:
            return self.rng.choice(TEST_CARDS), "CREDIT_CARD"
        network = self.rng.choices(["visa", "mc", "amex", "discover"], [4, 3, 2, 1])[0]
        return self._format_card(self._card_digits(network)), "CREDIT_CARD"

    def k_card_visa(self, tag: str) -> tuple[str, str]:
        return self._format_card(self._card_digits("visa")), "CREDIT_CARD"

    def k_card_mc(self, tag: str) -> tuple[str, str]:
        return self._format_card(self._card_digits("mc")), "CREDIT_CARD"

    def k_card_amex(self, tag: str) -> tuple[str, str]:
        return self._format_card(self._card_digits("amex")), "CREDIT_CARD"

    def k_card_discover(self, tag: str) -> tuple[str, str]:
        return self._format_card(self._card_digits("discover")), "CREDIT_CARD"

    def k_bad_card(self, tag: str) -> tuple[str, None]:
        rng = self.rng
        partial = rng.choice(["4", "5", "6011"])
        partial += _digits(rng, 15 - len(partial))
        right = int(luhn_complete(partial)[-1])
        return self._format_card(partial + str((right + rng.randint(1, 9)) % 10)), None

    def _luhn_failing(self, length: int) -> str:
        while True:
            value = str(self.rng.randint(1, 9)) + _digits(self.rng, length - 1)
            if not luhn_valid(value):
                return value

    def k_bad_long(self, tag: str) -> tuple[str, None]:
        return self._luhn_failing(self.rng.randint(13, 19)), None

    def k_bad_account(self, tag: str) -> tuple[str, None]:
        return self._luhn_failing(self.rng.randint(12, 18)), None

    def k_last4(self, tag: str) -> tuple[str, None]:
        return _digits(self.rng, 4), None

    def k_expiry(self, tag: str) -> tuple[str, None]:
        return f"{self.rng.randint(1, 12):02d}/{self.rng.randint(26, 31)}", None

    def k_tracking(self, tag: str) -> tuple[str, None]:
        rng = self.rng
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        return rng.choice([
            "1Z999AA10123456784",
            "1Z" + "".join(rng.choice(letters + "0123456789") for _ in range(6)) + _digits(rng, 10),
            "JD014600006281234567",
            "JD0146" + _digits(rng, 14),
            "".join(rng.choice(letters) for _ in range(2)) + _digits(rng, 9) + "GB",
            "H0" + "".join(rng.choice(letters + "0123456789") for _ in range(14)),
        ]), None

    def k_invoice(self, tag: str) -> tuple[str, None]:
        rng = self.rng
        n = rng.randint(1, 99999)
        return rng.choice([f"INV-2026-{n:06d}", f"INV{n:06d}", f"2026/INV/{n:05d}",
                           f"NW-INV-{n}"]), None

    def k_order(self, tag: str) -> tuple[str, None]:
        return self.rng.choice([self.k_order_hash(tag)[0], self.k_order_code(tag)[0]]), None

    def k_order_hash(self, tag: str) -> tuple[str, None]:
        return f"#{self.rng.randint(1000000, 9999999)}", None

    def k_order_code(self, tag: str) -> tuple[str, None]:
        rng = self.rng
        return rng.choice([f"ORD-{rng.randint(10000, 99999)}-{rng.randint(10, 99)}",
                           f"NW-{rng.randint(1000000, 9999999)}",
                           f"A{rng.randint(100, 999)}-{rng.randint(10000, 99999)}"]), None

    def k_order_long(self, tag: str) -> tuple[str, None]:
        return str(self.rng.randint(10 ** 9, 10 ** 12 - 1)), None

    def k_gift_code(self, tag: str) -> tuple[str, None]:
        chars = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        return "-".join("".join(self.rng.choice(chars) for _ in range(4)) for _ in range(3)), None

    def k_reading(self, tag: str) -> tuple[str, None]:
        return f"{self.rng.randint(0, 99999):05d}", None

    # -- SSN -------------------------------------------------------------------------------

    def k_ssn(self, tag: str) -> tuple[str, str]:
        rng = self.rng
        area = rng.choice([a for a in range(1, 900) if a != 666])
        sep = "-" if rng.random() < 0.7 else " "
        value = f"{area:03d}{sep}{rng.randint(1, 99):02d}{sep}{rng.randint(1, 9999):04d}"
        return value, "US_SSN"

    def k_bad_ssn(self, tag: str) -> tuple[str, None]:
        rng = self.rng
        area, group, serial = (f"{rng.randint(1, 899):03d}", f"{rng.randint(1, 99):02d}",
                               f"{rng.randint(1, 9999):04d}")
        flaw = rng.choice(["000", "666", "9xx", "group", "serial"])
        if flaw == "000":
            area = "000"
        elif flaw == "666":
            area = "666"
        elif flaw == "9xx":
            area = f"9{rng.randint(0, 99):02d}"
        elif flaw == "group":
            group = "00"
        else:
            serial = "0000"
        sep = "-" if rng.random() < 0.75 else " "
        return f"{area}{sep}{group}{sep}{serial}", None

    def k_ssn_like(self, tag: str) -> tuple[str, None]:
        rng = self.rng
        return rng.choice([f"{_digits(rng, 2)}-{_digits(rng, 3)}-{_digits(rng, 4)}",
                           f"{_digits(rng, 4)}-{_digits(rng, 2)}-{_digits(rng, 3)}",
                           f"{_digits(rng, 3)}-{_digits(rng, 3)}-{_digits(rng, 3)}",
                           f"{_digits(rng, 3)}-{_digits(rng, 2)}-{_digits(rng, 5)}"]), None

    def k_ein(self, tag: str) -> tuple[str, None]:
        return f"{self.rng.randint(10, 99)}-{_digits(self.rng, 7)}", None

    def k_dob(self, tag: str) -> tuple[str, None]:
        rng = self.rng
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1945, 2004)
        return rng.choice([f"{month:02d}/{day:02d}/{year}", f"{day} {MONTHS[month - 1]} {year}",
                           f"{year}-{month:02d}-{day:02d}"]), None

    # -- IBAN ------------------------------------------------------------------------------

    def _bban(self, country: str) -> str:
        rng = self.rng
        if country == "GB":
            return rng.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "TEST"]) + _digits(rng, 14)
        if country == "DE":
            return _digits(rng, 18)
        if country == "FR":  # bank, branch, account, then the RIB key
            bank, branch, account = _digits(rng, 5), _digits(rng, 5), _digits(rng, 11)
            key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
            return f"{bank}{branch}{account}{key:02d}"
        if country == "ES":  # bank, branch, the two control digits, account
            bank_branch, account = _digits(rng, 8), _digits(rng, 10)
            weights = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]

            def control(ten: str) -> str:
                value = 11 - sum(int(c) * w for c, w in zip(ten, weights, strict=True)) % 11
                return str({11: 0, 10: 1}.get(value, value))

            return bank_branch + control("00" + bank_branch) + control(account) + account
        if country == "NL":  # 10-digit account that passes the old eleven-test
            while True:
                account = _digits(rng, 10)
                if sum(int(c) * (10 - i) for i, c in enumerate(account)) % 11 == 0:
                    return rng.choice(["ABNA", "INGB", "RABO", "TRIO", "SNSB"]) + account
        if country == "IE":
            return rng.choice(["AIBK", "BOFI", "IPBS"]) + _digits(rng, 14)
        if country == "IT":  # CIN check letter, ABI, CAB, account
            rest = _digits(rng, 22)
            return _italian_cin(rest) + rest
        raise ValueError(country)

    def _iban_compact(self, country: str | None = None) -> str:
        country = country or self.rng.choices(list(IBAN_LENGTHS), [4, 3, 3, 3, 3, 3, 3])[0]
        bban = self._bban(country)
        return country + iban_check_digits(country, bban) + bban

    def k_iban(self, tag: str, country: str | None = None) -> tuple[str, str]:
        compact = self._iban_compact(country)
        return (compact if self.rng.random() < 0.45 else _group4(compact)), "IBAN_CODE"

    def k_iban_fr(self, tag: str) -> tuple[str, str]:
        return self.k_iban(tag, "FR")

    def k_iban_de(self, tag: str) -> tuple[str, str]:
        return self.k_iban(tag, "DE")

    def k_bad_iban(self, tag: str) -> tuple[str, None]:
        while True:  # a grouped IBAN can hold a Luhn-valid digit run: that would be a card
            value = self._bad_iban()
            if not _unlabelled_pii(value, []):
                return value, None

    def _bad_iban(self) -> str:
        rng = self.rng
        compact = self._iban_compact()
        if rng.random() < 0.6:  # wrong check digits
            wrong = [f"{n:02d}" for n in range(2, 99) if f"{n:02d}" != compact[2:4]]
            compact = compact[:2] + rng.choice(wrong) + compact[4:]
        else:  # one digit of the account mistyped
            pos = max(i for i, c in enumerate(compact) if c.isdigit())
            compact = compact[:pos] + str((int(compact[pos]) + rng.randint(1, 9)) % 10) + \
                compact[pos + 1:]
        return compact if rng.random() < 0.5 else _group4(compact)

    def k_bic(self, tag: str) -> tuple[str, None]:
        return self.rng.choice(["NWBKGB2L", "BARCGB22", "DEUTDEFF", "BNPAFRPP", "INGBNL2A",
                                "AIBKIE2D", "CAIXESBB", "BCITITMM"]), None

    def k_sort_code(self, tag: str) -> tuple[str, None]:
        return f"{_digits(self.rng, 2)}-{_digits(self.rng, 2)}-{_digits(self.rng, 2)}", None

    # -- IP --------------------------------------------------------------------------------

    def k_router_ip(self, tag: str) -> tuple[str, str]:
        rng = self.rng
        return rng.choice(["192.168.1.254", "192.168.0.1", "192.168.1.1", "10.0.0.138",
                           "10.0.0.1", f"192.168.{rng.randint(0, 2)}.1", "172.16.0.1"]), \
            "IP_ADDRESS"

    def k_lan_ip(self, tag: str) -> tuple[str, str]:
        rng = self.rng
        return rng.choice([f"192.168.1.{rng.randint(2, 253)}", f"192.168.0.{rng.randint(2, 253)}",
                           f"10.0.0.{rng.randint(2, 253)}"]), "IP_ADDRESS"

    def k_ipv4_public(self, tag: str) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.6:
            net = rng.choice(["192.0.2", "198.51.100", "203.0.113"])
            return f"{net}.{rng.randint(1, 254)}", "IP_ADDRESS"
        first = rng.choice([31, 51, 62, 78, 81, 82, 86, 90, 94, 109, 151, 185, 212, 217])
        return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", \
            "IP_ADDRESS"

    def k_ipv4(self, tag: str) -> tuple[str, str]:
        return self.k_ipv4_public(tag) if self.rng.random() < 0.7 else self.k_lan_ip(tag)

    def _hex(self, n: int) -> str:
        return f"{self.rng.randint(1, 16 ** n - 1):x}"

    def k_ipv6(self, tag: str) -> tuple[str, str]:
        rng = self.rng
        h = self._hex
        return rng.choice([
            "2001:db8::1", f"2001:db8::{h(4)}", f"2001:db8:{h(4)}::{h(3)}:{h(4)}",
            f"2001:db8:85a3::8a2e:370:{h(4)}",
            f"2001:0db8:{rng.randint(0, 9999):04d}:0000:0000:ff00:0042:{h(4)}",
            "2001:db8:85a3::8a2e:370:7334",
        ]), "IP_ADDRESS"

    def k_ipv6_ll(self, tag: str) -> tuple[str, str]:
        h = self._hex
        return self.rng.choice(["fe80::1ff:fe23:4567:890a", f"fe80::{h(3)}:{h(4)}:{h(4)}:{h(4)}",
                                f"fe80::{h(4)}"]), "IP_ADDRESS"

    def k_ip(self, tag: str) -> tuple[str, str]:
        return self.k_ipv6(tag) if self.rng.random() < 0.2 else self.k_ipv4(tag)

    def k_mac(self, tag: str) -> tuple[str, None]:
        return ":".join(f"{self.rng.randint(0, 255):02X}" for _ in range(6)), None

    def k_city(self, tag: str) -> tuple[str, None]:
        return self.rng.choice(["Leeds", "London", "Dublin", "Frankfurt", "Lagos", "Mumbai",
                                "Warsaw", "unknown location"]), None

    # -- addresses -------------------------------------------------------------------------

    def _house_number(self) -> str:
        rng = self.rng
        n = str(rng.randint(1, 240))
        return n + rng.choice("ab") if rng.random() < 0.08 else n

    def _uk_street(self) -> str:
        rng = self.rng
        return f"{self._house_number()} {rng.choice(UK_STREETS)} {rng.choice(UK_SUFFIXES)}"

    def _uk_city_postcode(self) -> tuple[str, str]:
        rng = self.rng
        city, areas, max_district = rng.choice(UK_CITIES)
        outward = f"{rng.choice(areas)}{rng.randint(1, max_district)}"
        inward = f"{rng.randint(0, 9)}{rng.choice(POSTCODE_INWARD_LETTERS)}" \
                 f"{rng.choice(POSTCODE_INWARD_LETTERS)}"
        return city, f"{outward} {inward}"

    def k_addr_uk(self, tag: str) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.08:
            return rng.choice(FAMOUS_UK), "LOCATION"
        line = self._uk_street()
        unit = rng.random()
        if unit < 0.12:
            line = f"Flat {rng.randint(1, 30)}, {line}"
        elif unit < 0.18:
            line = f"Apartment {rng.randint(1, 40)}{rng.choice('abc')} {line}"
        elif unit < 0.22:
            line = f"Unit {rng.randint(1, 12)}, {line}"
        city, postcode = self._uk_city_postcode()
        shape = rng.choice(["line", "city", "city_pc", "city_comma_pc", "pc", "city_pc"])
        value = {"line": line, "city": f"{line}, {city}", "city_pc": f"{line}, {city} {postcode}",
                 "city_comma_pc": f"{line}, {city}, {postcode}", "pc": f"{line}, {postcode}"}
        return value[shape], "LOCATION"

    def k_addr_block(self, tag: str) -> tuple[str, str]:
        city, postcode = self._uk_city_postcode()
        return f"{self._uk_street()}\n{city}\n{postcode}", "LOCATION"

    def _us_street(self) -> str:
        rng = self.rng
        street = f"{rng.randint(1, 9999)} {rng.choice(US_STREETS)} {rng.choice(US_SUFFIXES)}"
        if rng.random() < 0.15:
            street += " " + rng.choice(["NW", "NE", "SE", "SW", "N", "S"])
        return street

    def _zip(self, prefix: str) -> str:
        z = f"{prefix}{self.rng.randint(1, 99):02d}"
        return z + f"-{self.rng.randint(1, 9999):04d}" if self.rng.random() < 0.15 else z

    def k_addr_us(self, tag: str) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.1:
            return rng.choice(FAMOUS_US), "LOCATION"
        line = self._us_street()
        unit = rng.random()
        if unit < 0.15:
            line += f", Suite {rng.randint(100, 4999)}"
        elif unit < 0.3:
            line += f", Apt {rng.randint(1, 30)}{rng.choice('ABCD')}"
        city, state, prefix = rng.choice(US_CITIES)
        if rng.random() < 0.2:
            return line, "LOCATION"
        return f"{line}, {city}, {state} {self._zip(prefix)}", "LOCATION"

    def k_addr(self, tag: str) -> tuple[str, str]:
        return self.k_addr_uk(tag) if self.rng.random() < 0.6 else self.k_addr_us(tag)

    def k_street(self, tag: str) -> tuple[str, str]:
        return (self._uk_street() if self.rng.random() < 0.65 else self._us_street()), "LOCATION"

    def k_postcode(self, tag: str) -> tuple[str, str]:
        if self.rng.random() < 0.25:
            return self.rng.choice(FAMOUS_POSTCODES), "LOCATION"
        return self._uk_city_postcode()[1], "LOCATION"

    def k_zipstate(self, tag: str) -> tuple[str, str]:
        _, state, prefix = self.rng.choice(US_CITIES)
        return f"{state} {self._zip(prefix)}", "LOCATION"

    # -- plain look-alikes and fillers -----------------------------------------------------

    def k_date(self, tag: str) -> tuple[str, None]:
        rng = self.rng
        day, month = rng.randint(1, 28), rng.randint(1, 12)
        return rng.choice([f"{day:02d}/{month:02d}/2026", f"2026-{month:02d}-{day:02d}",
                           f"{day} {MONTHS[month - 1]}", f"{MONTHS[month - 1]} {day}",
                           f"{day:02d}.{month:02d}.2026"]), None

    def k_date_slash(self, tag: str) -> tuple[str, None]:
        return f"{self.rng.randint(1, 28):02d}/{self.rng.randint(1, 12):02d}/2026", None

    def k_date_iso(self, tag: str) -> tuple[str, None]:
        return f"2026-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}", None

    def k_time(self, tag: str) -> tuple[str, None]:
        rng = self.rng
        h, m = rng.randint(8, 19), rng.choice([0, 5, 12, 15, 30, 35, 45, 50])
        half = f"{h % 12 or 12}:{m:02d}{'am' if h < 12 else 'pm'}"
        return rng.choice([f"{h:02d}:{m:02d}", f"{h}:{m:02d}", half,
                           f"{h:02d}:{m:02d}:{rng.randint(0, 59):02d}"]), None

    def k_amount(self, tag: str) -> tuple[str, None]:
        rng = self.rng
        if self.currency is None:  # one currency a text
            self.currency = rng.choice("£££$$€")
        sign = self.currency
        return rng.choice([f"{sign}{rng.randint(5, 99)}.{rng.randint(0, 99):02d}",
                           f"{sign}1,{rng.randint(0, 999):03d}.{rng.randint(0, 99):02d}",
                           f"{sign}{rng.randint(1, 9)},{rng.randint(0, 9)}00",
                           f"{sign}{rng.randint(10, 300)}"]), None

    def k_version(self, tag: str) -> tuple[str, None]:
        rng = self.rng
        return rng.choice([f"{rng.randint(1, 12)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}",
                           f"{rng.randint(1, 12)}.{rng.randint(0, 20)}"]), None

    def k_vversion(self, tag: str) -> tuple[str, None]:
        return "v" + self.k_version(tag)[0], None

    def k_build(self, tag: str) -> tuple[str, None]:
        return f"10.0.{self.rng.randint(19041, 26100)}.{self.rng.randint(1000, 5000)}", None

    def k_speed(self, tag: str) -> tuple[str, None]:
        return f"{self.rng.choice([12, 36, 67, 80, 150, 500, 900])} Mbps", None

    def k_ref(self, tag: str) -> tuple[str, None]:
        n = self.rng.randint(10000, 99999)
        return self.rng.choice([str(n), f"REF-{n}", f"CR{n}"]), None

    def k_ticket(self, tag: str) -> tuple[str, None]:
        return str(self.rng.randint(1000000, 9999999)), None

    def k_points(self, tag: str) -> tuple[str, None]:
        return f"{self.rng.randint(1, 40)},{self.rng.choice(['000', '500', '250'])}", None

    def k_minutes(self, tag: str) -> tuple[str, None]:
        return str(self.rng.randint(5, 95)), None

    def k_count(self, tag: str) -> tuple[str, None]:
        return str(self.rng.randint(2, 14)), None

    def k_days(self, tag: str) -> tuple[str, None]:
        return str(self.rng.randint(3, 21)), None

    def k_duration(self, tag: str) -> tuple[str, None]:
        return self.rng.choice(["3 days", "48 hours", "2 weeks", "10 working days",
                                "a month"]), None

    def k_nth(self, tag: str) -> tuple[str, None]:
        day = self.rng.randint(1, 28)
        suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
        return f"{day}{suffix}", None

    def k_day(self, tag: str) -> tuple[str, None]:
        return self.rng.choice(DAYS), None

    def k_month(self, tag: str) -> tuple[str, None]:
        return self.rng.choice(MONTHS), None

    def k_product(self, tag: str) -> tuple[str, None]:
        return self.rng.choice(PRODUCTS), None

    def k_handle(self, tag: str) -> tuple[str, None]:
        return self.rng.choice(HANDLES), None


def _italian_cin(rest: str) -> str:
    """The Italian CIN check letter over ABI + CAB + account (22 characters)."""
    odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25,
           24, 23]
    total = 0
    for i, ch in enumerate(rest):
        n = int(ch) if ch.isdigit() else ord(ch) - ord("A")
        total += odd[n] if i % 2 == 0 else n
    return chr(ord("A") + total % 26)


# ------------------------------------------------------------------------------------------
# Rendering
# ------------------------------------------------------------------------------------------

SLOT_RE = re.compile(r"\{([A-Za-z0-9_]+)(?:@(\w+))?(?::(lower|upper))?\}")
CASE_TYPES = ("PERSON", "EMAIL_ADDRESS", "LOCATION")


def _typo(text: str, rng: random.Random) -> str:
    words = list(re.finditer(r"[a-z]{5,}", text))
    if not words:
        return text
    m = rng.choice(words)
    i = rng.randint(m.start() + 1, m.end() - 3)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


def render(template: str, rng: random.Random) -> tuple[str, list[dict]]:
    """Fill one template; return the text and its entities (with the inserted ``value``)."""
    filler = Filler(rng)
    style = rng.choices(["plain", "lower", "upper"], [86, 11, 3])[0]
    case_values = style != "plain" and rng.random() < 0.5
    pieces: list[tuple[str, str | None]] = []  # (text, entity type); None type = literal/filler
    literal_idx: list[int] = []
    last = 0
    for m in SLOT_RE.finditer(template):
        pieces.append((template[last:m.start()], None))
        literal_idx.append(len(pieces) - 1)
        value, etype = filler.fill(m.group(1), m.group(2) or "")
        modifier = m.group(3)
        if modifier is None and case_values and etype in CASE_TYPES:
            modifier = style
        if modifier == "lower":
            value = value.lower()
        elif modifier == "upper":
            value = value.upper()
        pieces.append((value, etype))
        last = m.end()
    pieces.append((template[last:], None))
    literal_idx.append(len(pieces) - 1)

    def restyle(i: int, fn: Callable[[str], str]) -> None:
        pieces[i] = (fn(pieces[i][0]), None)

    if style != "plain":  # literal text and unlabelled fillers alike
        for i, (_, etype) in enumerate(pieces):
            if etype is None:
                restyle(i, str.lower if style == "lower" else str.upper)
    if rng.random() < 0.12:
        candidates = [i for i in literal_idx if re.search(r"[a-z]{5,}", pieces[i][0])]
        if candidates:
            restyle(rng.choice(candidates), lambda s: _typo(s, rng))

    text, entities = "", []
    for value, etype in pieces:
        if etype is not None:
            entities.append({"start": len(text), "end": len(text) + len(value), "type": etype,
                             "value": value})
        text += value
    return text, entities


def _cycle(templates: list[str], count: int, rng: random.Random) -> list[str]:
    """``count`` templates: every template once per round, each round in a fresh order."""
    out: list[str] = []
    while len(out) < count:
        batch = templates[:]
        rng.shuffle(batch)
        out.extend(batch)
    return out[:count]


def build_examples(seed: int = SEED) -> list[dict]:
    """All examples, checked; each ``{"id", "text", "entities": [{start, end, type}]}``."""
    rng = random.Random(seed)
    examples, values, seen = [], [], set()
    for prefix, templates, count in PLAN:
        _require(count >= len(templates), f"{prefix}: some templates would go unused")
        for n, template in enumerate(_cycle(templates, count, rng), start=1):
            for _ in range(20):  # a template without slots may need a few tries to differ
                text, entities = render(template, rng)
                if text not in seen:
                    break
            seen.add(text)
            examples.append({"id": f"{prefix}-{n:03d}", "text": text,
                             "entities": [{k: e[k] for k in ("start", "end", "type")}
                                          for e in entities]})
            values.append([e["value"] for e in entities])
    validate(examples, values)
    return examples


# ------------------------------------------------------------------------------------------
# Self-checks
# ------------------------------------------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def _check_value(etype: str, span: str, where: str) -> None:
    if etype == "CREDIT_CARD":
        digits = re.sub(r"[ -]", "", span)
        _require(13 <= len(digits) <= 19 and luhn_valid(digits), f"{where}: bad card {span!r}")
    elif etype == "IBAN_CODE":
        _require(iban_valid(span), f"{where}: bad IBAN {span!r}")
    elif etype == "US_SSN":
        _require(ssn_valid(span), f"{where}: bad SSN {span!r}")
    elif etype == "EMAIL_ADDRESS":
        _require(EMAIL_RE.fullmatch(span) is not None, f"{where}: bad email {span!r}")
    elif etype == "IP_ADDRESS":
        try:
            ipaddress.ip_address(span)
        except ValueError as exc:
            raise AssertionError(f"{where}: bad IP {span!r}") from exc
    elif etype == "PHONE_NUMBER":
        digits = re.sub(r"\D", "", span)
        _require(7 <= len(digits) <= 15 and re.fullmatch(r"[+(]?[0-9][0-9 ().-]*[0-9]", span)
                 is not None, f"{where}: bad phone {span!r}")
    elif etype == "PERSON":
        _require(not any(c.isdigit() for c in span), f"{where}: bad name {span!r}")
    elif etype == "LOCATION":
        _require(any(c.isdigit() for c in span), f"{where}: bad location {span!r}")


CARD_CANDIDATE_RE = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
IBAN_CANDIDATE_RE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}\b", re.IGNORECASE)
SSN_CANDIDATE_RE = re.compile(r"(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])")
IPV4_CANDIDATE_RE = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)")


def _unlabelled_pii(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """Checksum-valid values in ``text`` that no entity covers (there should be none)."""

    def covered(m: re.Match[str]) -> bool:
        return any(s < m.end() and m.start() < e for s, e in spans)

    found = []
    for m in CARD_CANDIDATE_RE.finditer(text):
        if luhn_valid(re.sub(r"[ -]", "", m.group())) and not covered(m):
            found.append(m.group())
    for m in IBAN_CANDIDATE_RE.finditer(text):
        compact = m.group().replace(" ", "").upper()
        for end in range(len(compact), 13, -1):  # the IBAN may be followed by more words
            if iban_valid(compact[:end]) and not covered(m):
                found.append(compact[:end])
    for m in SSN_CANDIDATE_RE.finditer(text):
        if ssn_valid(m.group()) and not covered(m):
            found.append(m.group())
    for m in EMAIL_RE.finditer(text):
        if not covered(m):
            found.append(m.group())
    for m in IPV4_CANDIDATE_RE.finditer(text):
        if all(int(part) <= 255 for part in m.group().split(".")) and not covered(m):
            found.append(m.group())
    return found


def validate(examples: list[dict], values: list[list[str]] | None = None) -> None:
    """Raise AssertionError unless every example meets the conventions of the set."""
    ids = [ex["id"] for ex in examples]
    _require(len(ids) == len(set(ids)), "ids are not unique")
    for k, ex in enumerate(examples):
        where, text = ex["id"], ex["text"]
        _require(isinstance(text, str) and text.strip() != "", f"{where}: empty text")
        _require("{" not in text and "}" not in text, f"{where}: unfilled slot")
        entities = ex["entities"]
        _require(entities == sorted(entities, key=lambda e: e["start"]),
                 f"{where}: entities not in order")
        previous_end = 0
        for j, ent in enumerate(entities):
            start, end, etype = ent["start"], ent["end"], ent["type"]
            _require(etype in TYPES, f"{where}: unknown type {etype}")
            _require(0 <= start < end <= len(text), f"{where}: span out of range")
            _require(start >= previous_end, f"{where}: overlapping spans")
            previous_end = end
            span = text[start:end]
            if values is not None:
                _require(span == values[k][j], f"{where}: span {span!r} != {values[k][j]!r}")
            _require(span == span.strip(), f"{where}: whitespace around {span!r}")
            _require(span[-1].isalnum(), f"{where}: {span!r} ends with punctuation")
            _require(span[0].isalnum() or (etype == "PHONE_NUMBER" and span[0] in "+("),
                     f"{where}: {span!r} starts with punctuation")
            _require(start == 0 or not text[start - 1].isalnum(), f"{where}: {span!r} cut")
            _require(end == len(text) or not text[end].isalnum(), f"{where}: {span!r} cut")
            _check_value(etype, span, where)
        if where.startswith(NO_ENTITY_PREFIXES):
            _require(not entities, f"{where}: a negative example has entities")
        else:
            _require(bool(entities), f"{where}: a positive example has no entity")
        leaks = _unlabelled_pii(text, [(e["start"], e["end"]) for e in entities])
        _require(not leaks, f"{where}: unlabelled checksum-valid values {leaks}")


def counts(examples: list[dict]) -> dict[str, int]:
    per_type = Counter(e["type"] for ex in examples for e in ex["entities"])
    out = {t: per_type[t] for t in TYPES}
    out["examples"] = len(examples)
    out["negative_texts"] = sum(ex["id"].startswith("neg-") for ex in examples)
    out["no_entity_texts"] = sum(not ex["entities"] for ex in examples)
    return out


def check_minimums(examples: list[dict]) -> None:
    c = counts(examples)
    for t in TYPES:
        _require(c[t] >= MIN_POSITIVES, f"only {c[t]} {t} entities (want {MIN_POSITIVES})")
    _require(c["negative_texts"] >= MIN_NEGATIVES,
             f"only {c['negative_texts']} negative texts (want {MIN_NEGATIVES})")


def to_jsonl(examples: list[dict]) -> str:
    return "".join(json.dumps(ex, ensure_ascii=False) + "\n" for ex in examples)


def main(argv: list[str]) -> int:
    examples = build_examples()
    check_minimums(examples)
    content = to_jsonl(examples)
    if "--check" in argv:
        current = OUT_PATH.read_text(encoding="utf-8") if OUT_PATH.exists() else ""
        if current != content:
            print(f"{OUT_PATH} is stale: run python benchmarks/make_pii_eval.py", file=sys.stderr)
            return 1
    else:
        OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
        OUT_PATH.write_text(content, encoding="utf-8", newline="\n")
    for key, value in counts(examples).items():
        print(f"{key:16} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

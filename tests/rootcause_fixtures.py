"""Hand-written labelled texts for the root-cause model tests (written for this project)."""

from __future__ import annotations

TRAIN = {
    "billing": [
        "I was charged twice for my bill this month",
        "there is a fee on my invoice I never agreed to",
        "my bill is much higher than usual",
        "why is my invoice so expensive this month",
        "you took two payments from my bank account",
        "the amount on my bill is wrong",
        "I have been overcharged on my latest bill",
        "please explain the extra charge on my invoice",
        "my direct debit was taken twice",
        "the bill shows charges I do not recognise",
    ],
    "delivery": [
        "my parcel has not arrived yet",
        "the courier never delivered my order",
        "my order is a week late",
        "tracking says out for delivery for three days",
        "the delivery keeps getting delayed",
        "I am still waiting for my package to arrive",
        "where is my order it was due on monday",
        "the courier left my parcel at the wrong house",
        "delivery was promised for yesterday and nothing came",
        "my package is stuck at the depot",
    ],
    "login": [
        "I cannot log in to my account",
        "the app will not let me sign in",
        "my password is rejected when I log in",
        "I am locked out of my online account",
        "login fails with an error every time",
        "the website says my username is not recognised",
        "sign in keeps failing on the app",
        "I cannot get into my account online",
        "it says my login details are wrong",
        "the login page just spins forever",
    ],
    "outage": [
        "my internet has been down since yesterday",
        "no broadband connection at all today",
        "the whole area has a network outage",
        "wifi keeps dropping out every evening",
        "there is no signal at my house",
        "my tv service is down again",
        "the internet connection is lost every hour",
        "broadband outage for two days now",
        "no service on my landline or internet",
        "the connection goes off every night",
    ],
    "cancel": [
        "I want to cancel my contract",
        "please close my account I am leaving",
        "how do I cancel my subscription",
        "I am switching to another provider",
        "cancel my broadband at the end of the month",
        "I would like to terminate my service",
        "stop my plan I no longer need it",
        "I asked to cancel last month and still get billed",
        "I am moving to a different company please cancel",
        "end my subscription today",
    ],
    "praise": [
        "great service thank you so much",
        "the agent was really helpful and friendly",
        "very happy with everything",
        "excellent support fixed my problem quickly",
        "brilliant customer service would recommend",
        "fast and reliable thank you",
        "the advisor was patient and kind",
        "everything works perfectly",
        "lovely staff and quick help",
        "five stars great experience",
    ],
}

# A cause the model never sees: its texts should come out `unknown`.
UNSEEN = [
    "the esim qr code is rejected by my phone",
    "my esim profile will not activate",
    "scanning the esim code does nothing",
    "esim activation fails on the new handset",
    "the qr code for my esim is invalid",
    "esim stuck on activating for hours",
]

# New texts of the known causes, for held-out checks.
TEST = {
    "billing": ["I was overcharged on this month's invoice", "two payments taken from my bank"],
    "delivery": ["my order has not been delivered", "the parcel is late again"],
    "login": ["I cannot sign in to the app", "locked out of my account again"],
    "outage": ["the internet is down again", "broadband outage in my area"],
    "cancel": ["please cancel my contract", "I am leaving for another provider"],
    "praise": ["really helpful agent, great service", "very happy, thank you"],
}


def rows(data: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(text, label) pairs."""
    return [(text, label) for label, texts in data.items() for text in texts]

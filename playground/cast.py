"""Who is in the playground: two companies' teams, their people, the shared channel and the bot."""

from __future__ import annotations

CLIENT_TEAM, VENDOR_TEAM = "T0ACME", "T0GLOBEX"
CHANNEL_ID, CHANNEL_NAME = "C0PARTNER", "acme-globex"
BOT_USER_ID, BOT_ID = "U0PARTNERBOT", "B0PARTNERBOT"

# The client company installed partnerbot: its team is the bot's home team, as auth.test says.
TEAMS = {
    CLIENT_TEAM: {"id": CLIENT_TEAM, "name": "Acme", "side": "client", "domain": "acme"},
    VENDOR_TEAM: {"id": VENDOR_TEAM, "name": "Globex", "side": "vendor", "domain": "globex"},
}

# (id, name, team, role shown in the switcher, IANA timezone)
PEOPLE = [
    ("U0CARLA", "Carla", CLIENT_TEAM, "lead", "Europe/London"),
    ("U0SAM", "Sam", CLIENT_TEAM, "sponsor", "Europe/London"),
    ("U0DANA", "Dana", CLIENT_TEAM, "member", "America/New_York"),
    ("U0LEE", "Lee", CLIENT_TEAM, "member", "Europe/Berlin"),
    ("U0RAVI", "Ravi", VENDOR_TEAM, "lead", "Asia/Manila"),
    ("U0PRIYA", "Priya", VENDOR_TEAM, "sponsor", "Asia/Kolkata"),
    ("U0MIA", "Mia", VENDOR_TEAM, "member", "Asia/Manila"),
    ("U0JON", "Jon", VENDOR_TEAM, "member", "Asia/Manila"),
]


def initial_people() -> dict[str, dict]:
    people = {
        user_id: {"id": user_id, "name": name, "team_id": team, "role": role, "tz": tz, "is_bot": False}
        for user_id, name, team, role, tz in PEOPLE
    }
    people[BOT_USER_ID] = {
        "id": BOT_USER_ID,
        "name": "partnerbot",
        "team_id": CLIENT_TEAM,
        "role": "app",
        "tz": "UTC",
        "is_bot": True,
    }
    return people

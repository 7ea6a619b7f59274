"""The bot scopes manifest.yml asks for; `partnerbot check` compares a token's grant with them."""

BOT_SCOPES = (
    "channels:history",
    "channels:join",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:write",
    "pins:write",
    "reactions:write",
    "users:read",
)

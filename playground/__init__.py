"""The playground: partnerbot talking to a local stand-in for Slack, shown in the browser."""

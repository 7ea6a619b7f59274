"""partnerbot: keeps a client-vendor partnership healthy from its shared Slack channel."""

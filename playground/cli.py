"""`partnerbot playground`: serve the playground until interrupted (no Slack settings needed)."""

from __future__ import annotations

import logging

from playground.runner import DEFAULT_DATABASE_URL, Playground


def serve(port: int = 3000, database_url: str = DEFAULT_DATABASE_URL) -> int:
    # The playground always uses its own SQLite file, never a DATABASE_URL meant for a real deployment.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print("partnerbot: playground mode — a local stand-in for Slack; nothing is sent to slack.com", flush=True)
    try:
        Playground(database_url=database_url, port=port).serve_forever()
    except KeyboardInterrupt:
        pass
    return 0

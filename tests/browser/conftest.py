"""The playground in a real browser: Playwright driving Debian's Chromium (no browser is ever downloaded).

Without /usr/bin/chromium these tests are skipped with how to install it; with PARTNERBOT_REQUIRE_BROWSER=1
(as .ci/run sets) a missing browser fails them instead."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from playground.runner import Playground

CHROMIUM = Path(os.environ.get("PARTNERBOT_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip
HERE = Path(__file__).parent
SCREENSHOTS = HERE / "screenshots"  # not committed (.gitignore)
RESULTS = HERE / "results"


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: .venv/bin/pip install -e '.[test]'"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM}: install it with `sudo apt-get install -y chromium` (Debian/Ubuntu)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _unavailable()
    if reason:
        if os.environ.get("PARTNERBOT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required here, but {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def playground(database_url, tmp_path_factory):
    """One playground per module, on the suite's database (emptied first) and its own state file."""
    pg = Playground(database_url=database_url, state_path=tmp_path_factory.mktemp("pg") / "state.json", port=0)
    pg.start()
    pg.reset()
    yield pg
    pg.stop()


@pytest.fixture(scope="module")
def page(browser, playground):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def timings():
    """Measured, not asserted: written to tests/browser/results/timings.json and printed."""
    found: dict[str, list[float]] = {}
    yield found
    RESULTS.mkdir(exist_ok=True)
    summary = {name: {"count": len(v), "max_ms": round(max(v)), "median_ms": round(sorted(v)[len(v) // 2])}
               for name, v in found.items() if v}  # fmt: skip
    (RESULTS / "timings.json").write_text(json.dumps({"summary": summary, "samples_ms": found}, indent=2))
    print("\nplayground timings (ms):", json.dumps(summary))


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

"""The project's own contracts: migrations match the models, the manifest matches the code, the CLI."""

import json
import subprocess
import sys
import urllib.request
from datetime import time
from pathlib import Path

import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cli import main
from bot.db import alembic_config, at_head, head_revisions, make_engine
from bot.models import Base, Rhythm
from bot.slack.scopes import BOT_SCOPES
from tests.harness.app_server import BOT_TOKEN, SIGNING_SECRET, free_port
from tests.harness.slack_driver import SlackDriver
from tests.harness.waiting import eventually

ROOT = Path(__file__).parent.parent


def test_migrations_reach_head_and_match_the_models(db_url):
    engine = make_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
        assert context.get_current_revision() == head
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_no_index_merely_leads_another_of_its_table():
    """An index whose columns lead a longer index or unique constraint of the same table adds writes and, when a
    table has no statistics yet, may be chosen over the longer one: the status's kudos of the last 90 days were read
    through ix_kudos_partnership_id, filtering out every older kudos (migration 0019)."""
    redundant = []
    for table in Base.metadata.sorted_tables:
        longer = [[c.name for c in index.columns] for index in table.indexes if not _partial(index)]
        longer += [[c.name for c in constraint.columns] for constraint in table.constraints if constraint.columns]
        for index in table.indexes:
            columns = [c.name for c in index.columns]
            if not index.unique and not _partial(index):
                if any(len(other) > len(columns) and other[: len(columns)] == columns for other in longer):
                    redundant.append(index.name)
    assert redundant == []


def _partial(index) -> bool:
    return any(index.dialect_options[dialect].get("where") is not None for dialect in ("postgresql", "sqlite"))


def test_the_start_knows_the_head_without_alembic(db_url):
    heads = ScriptDirectory.from_config(alembic_config(db_url)).get_heads()
    assert head_revisions() == set(heads)
    engine = make_engine(db_url)
    assert at_head(engine)  # so a start against an up-to-date database skips importing Alembic
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    try:
        assert not at_head(engine)
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{heads[0]}'")
        engine.dispose()


def test_manifest_asks_for_what_the_code_uses():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert tuple(sorted(manifest["oauth_config"]["scopes"]["bot"])) == BOT_SCOPES
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/partner", "/escalate", "/kudos"}
    assert all(c["should_escape"] for c in commands.values())  # mentions arrive as <@U…> ids
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] and settings["interactivity"]["is_enabled"]
    assert {"message.channels", "message.groups", "member_joined_channel"} <= set(
        settings["event_subscriptions"]["bot_events"]
    )
    assert manifest["features"]["app_home"]["messages_tab_enabled"]  # DMs: nudges, reminders, feedback asks
    # The Home tab: enabled, and its opening is listened to (handlers.governance publishes the view).
    assert manifest["features"]["app_home"]["home_tab_enabled"]
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]
    assert "files:write" in BOT_SCOPES  # charts and exports use Slack's external upload flow


def test_check_prints_identity_and_missing_scopes(fake, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-check")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("SLACK_API_URL", fake.api_url)
    monkeypatch.chdir(ROOT / "tests")  # no .env here
    fake.scopes = ("chat:write", "commands")
    assert main(["check"]) == 1
    out, err = capsys.readouterr()
    assert "bot @partnerbot (UBOT, bot BBOT) in Home (T_HOME)" in out
    assert "granted scopes: chat:write, commands" in out
    assert "missing scopes: channels:history, channels:join" in err
    assert "xoxb-check" not in out + err
    assert fake.calls_to("auth.test")[0].token == "xoxb-check"

    fake.scopes = BOT_SCOPES
    assert main(["check"]) == 0
    assert "all scopes in manifest.yml are granted" in capsys.readouterr().out


def test_db_upgrade_and_python_dash_m(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "database is up to date" in done.stdout
    assert (tmp_path / "cli.db").exists()


def test_run_without_its_settings_names_each_and_starts_nothing(tmp_path):
    # Issue 13: every missing setting at once (it used to name only the first, the bot token).
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "partnerbot: 2 settings need fixing:",
        "  - SLACK_BOT_TOKEN is not set: create the app from manifest.yml (README, 'Create the Slack app'), "
        "install it, and copy 'Bot User OAuth Token' (xoxb-...) from OAuth & Permissions into .env.",
        "  - SLACK_SIGNING_SECRET is not set: copy 'Signing Secret' from the app's Basic Information page into .env.",
    ]
    assert not (tmp_path / "cli.db").exists()  # nothing was started
    env["SLACK_SIGNING_SECRET"] = "s"  # one problem left: one line, as before
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("partnerbot: SLACK_BOT_TOKEN is not set: create the app from manifest.yml")
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "cli.db").exists()


def test_partnerbot_run_serves_http_with_migrations_applied(fake, tmp_path):
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/run.db",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def healthy():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                return json.loads(response.read())
        except OSError:
            assert server.poll() is None, server.communicate()[1]
            return None

    try:
        assert eventually(healthy, timeout=30, what="partnerbot run serving") == {"status": "ok", "database": "ok"}
        response = SlackDriver(f"http://127.0.0.1:{port}", SIGNING_SECRET, fake).command("help")
        assert response.status == 200 and "`/partner setup`" in json.dumps(response.json["blocks"])
        forged = SlackDriver(f"http://127.0.0.1:{port}", "not-the-secret", fake).command("help")
        assert forged.status == 401
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert BOT_TOKEN not in server.stdout.read() + server.stderr.read()


def test_the_feedback_migration_gives_existing_partnerships_a_salt_each(tmp_path):
    from alembic import command
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path}/old.db"
    command.upgrade(alembic_config(url), "0003")
    engine = make_engine(url)
    with engine.begin() as connection:
        for channel in ("C1", "C2"):
            connection.execute(
                text(
                    "INSERT INTO partnerships (channel_id, name, client_org, vendor_org, home_team_id, home_side, "
                    "timezone, business_days, created_by, created_at) VALUES (:c, 'P', 'A', 'B', 'T', 'client', 'UTC', "
                    "'[1,2,3,4,5]', 'U', '2026-01-01 00:00:00')"
                ),
                {"c": channel},
            )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT feedback_salt, feedback_weeks, feedback_anonymous FROM partnerships"))
        salts = [(salt, weeks, bool(anonymous)) for salt, weeks, anonymous in rows]
    engine.dispose()
    assert len({salt for salt, _, _ in salts}) == 2 and all(len(salt) == 64 for salt, _, _ in salts)
    assert {(weeks, anonymous) for _, weeks, anonymous in salts} == {(2, False)}


def test_the_code_passes_the_linter():
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run([str(ruff), "check", str(ROOT)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_rhythm_time_migration_keeps_each_rhythms_local_time(tmp_path):
    from alembic import command
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path}/old.db"
    command.upgrade(alembic_config(url), "0005")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO partnerships (channel_id, name, client_org, vendor_org, home_team_id, home_side, "
                "timezone, business_days, created_by, created_at, feedback_weeks, feedback_anonymous, feedback_salt, "
                "celebrations_planned) VALUES ('C1', 'P', 'A', 'B', 'T', 'client', 'UTC', '[1,2,3,4,5]', 'U', "
                "'2026-01-01 00:00:00', 2, 0, 'salt', 1)"
            )
        )
        for number, clock in ((1, "09:30"), (2, "17:05")):
            connection.execute(
                text(
                    "INSERT INTO rhythms (partnership_id, number, name, cadence, weekdays, local_time, audience, "
                    "people, questions, window_minutes, paused, created_by, created_at) VALUES (1, :n, 'R', "
                    "'business_days', '[]', :t, 'both', '[]', '[\"Q\"]', 60, 0, 'U', '2026-01-01 00:00:00')"
                ),
                {"n": number, "t": clock},
            )
    command.upgrade(alembic_config(url), "head")
    with Session(engine) as session:
        assert [r.local_time for r in session.scalars(select(Rhythm).order_by(Rhythm.number))] == [
            time(9, 30),
            time(17, 5),
        ]
    command.downgrade(alembic_config(url), "0005")
    with engine.connect() as connection:
        assert [row[0] for row in connection.execute(text("SELECT local_time FROM rhythms ORDER BY number"))] == [
            "09:30",
            "17:05",
        ]
    engine.dispose()

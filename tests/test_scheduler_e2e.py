"""The scheduler: local time across DST, holidays, restarts, replicas, and Slack refusing during a fan-out."""

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.models import ScheduledSend
from tests.harness.app_server import AppServer
from tests.harness.flows import add_rhythm, checkin_posts, checkins, nudge_dms, set_feedback_cycle, set_up_partnership
from tests.harness.slack_driver import radio, text
from tests.harness.slack_driver import select as chosen
from tests.harness.waiting import eventually

UTC = timezone.utc


@pytest.mark.parametrize(
    "tz, created, mondays_utc",
    [
        # America/New_York springs forward on Sun 8 Mar 2026: 09:00 local is 14:00 UTC, then 13:00 UTC.
        (
            "America/New_York",
            datetime(2026, 2, 27, 12, tzinfo=UTC),
            [
                datetime(2026, 3, 2, 14, tzinfo=UTC),
                datetime(2026, 3, 9, 13, tzinfo=UTC),
                datetime(2026, 3, 16, 13, tzinfo=UTC),
            ],
        ),
        # ... and falls back on Sun 1 Nov 2026: 13:00 UTC, then 14:00 UTC.
        (
            "America/New_York",
            datetime(2026, 10, 23, 12, tzinfo=UTC),
            [
                datetime(2026, 10, 26, 13, tzinfo=UTC),
                datetime(2026, 11, 2, 14, tzinfo=UTC),
                datetime(2026, 11, 9, 14, tzinfo=UTC),
            ],
        ),
        # Europe/London: BST starts Sun 29 Mar 2026 and ends Sun 25 Oct 2026.
        (
            "Europe/London",
            datetime(2026, 3, 20, 12, tzinfo=UTC),
            [
                datetime(2026, 3, 23, 9, tzinfo=UTC),
                datetime(2026, 3, 30, 8, tzinfo=UTC),
                datetime(2026, 4, 6, 8, tzinfo=UTC),
            ],
        ),
        (
            "Europe/London",
            datetime(2026, 10, 16, 12, tzinfo=UTC),
            [
                datetime(2026, 10, 19, 8, tzinfo=UTC),
                datetime(2026, 10, 26, 9, tzinfo=UTC),
                datetime(2026, 11, 2, 9, tzinfo=UTC),
            ],
        ),
    ],
)
def test_weekly_check_in_stays_at_local_time_across_dst(tz, created, mondays_utc, clock, slack, fake, app):
    clock.set(created)
    set_up_partnership(slack, fake, app, timezone=text(tz))
    add_rhythm(slack, fake, app)
    for number, due in enumerate(mondays_utc, 1):
        clock.set(due - timedelta(minutes=1))
        app.scheduler.tick()
        assert len(checkin_posts(fake)) == number - 1, f"early before {due}"
        clock.set(due)
        app.scheduler.tick()
        app.scheduler.tick()
        assert len(checkin_posts(fake)) == number, f"not exactly one at {due}"
        clock.set(due + timedelta(hours=30))  # past the window: the summary goes out, nothing else
        app.scheduler.tick()
        assert len(checkin_posts(fake)) == number
    times = [c.scheduled_for.astimezone(ZoneInfo(tz)) for c in checkins(app)]
    assert [(t.weekday(), t.hour, t.minute) for t in times] == [(0, 9, 0)] * 3
    assert [c.scheduled_for for c in checkins(app)] == mondays_utc


def test_holidays_and_non_business_days_skip(clock, slack, fake, app):
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    add_rhythm(slack, fake, app, cadence=chosen("business_days"))
    assert "Only leads can add holidays" in slack.command("holiday add 2026-11-24 Offsite", user="UHOME2").text
    assert "'2026-13-01' is not a date" in slack.command("holiday add 2026-13-01").text
    assert "is a holiday" in slack.command("holiday add 2026-11-24 Team offsite").text
    assert "already a holiday" in slack.command("holiday add 2026-11-24").text
    assert "Tue 24 Nov 2026 — Team offsite" in slack.command("holiday list").text
    for day in range(21, 27):  # Sat 21 .. Thu 26 Nov
        clock.set(datetime(2026, 11, day, 9, tzinfo=UTC))
        app.scheduler.tick()
    sent = [c.scheduled_for.day for c in checkins(app)]
    assert sent == [23, 25, 26]  # not the weekend, not the holiday on the 24th


def test_restart_catches_up_inside_the_window_and_records_missed_outside(clock, slack, fake, app, db_url):
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    add_rhythm(slack, fake, app, window_hours=text("8"), nudge_after_hours=text(""))
    app.stop()  # the bot is down over Monday 09:00

    clock.set(datetime(2026, 11, 23, 15, 30, tzinfo=UTC))  # back at 15:30, inside the 8 h window
    restarted = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock).start()
    try:
        restarted.scheduler.tick()
        assert len(checkin_posts(fake)) == 1
        [checkin] = checkins(restarted)
        assert checkin.status == "sent" and checkin.closes_at == datetime(2026, 11, 23, 17, tzinfo=UTC)
    finally:
        restarted.stop()

    clock.set(datetime(2026, 12, 1, 10, tzinfo=UTC))  # down again over Mon 30 Nov 09:00-17:00
    again = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock).start()
    try:
        again.scheduler.tick()
        assert len(checkin_posts(fake)) == 1  # the missed one is not sent late
        assert [c.status for c in checkins(again)] == ["sent", "missed"]
    finally:
        again.stop()


def test_two_replicas_on_one_database_send_everything_exactly_once(clock, slack, fake, app, db_url):
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    add_rhythm(slack, fake, app)
    replica = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock).start()
    try:
        for moment in (
            datetime(2026, 11, 23, 9, tzinfo=UTC),
            datetime(2026, 11, 24, 5, tzinfo=UTC),
            datetime(2026, 11, 24, 9, tzinfo=UTC),
        ):
            clock.set(moment)
            ticks = [threading.Thread(target=s.tick) for s in (app.scheduler, replica.scheduler) for _ in range(3)]
            for thread in ticks:
                thread.start()
            for thread in ticks:
                thread.join()
        posts = fake.calls_to("chat.postMessage")
        assert len(checkin_posts(fake)) == 1
        dms = sorted(nudge_dms(fake))
        assert dms == ["UHOME2", "UHOME3", "ULEAD"]  # the installing org's missing people, once each
        in_thread = [c for c in posts if c.args.get("thread_ts")]
        assert len(in_thread) == 2  # one nudge mentioning the other org, one summary
        assert "<@UEXT1> <@UEXT2> <@UEXT3>" in in_thread[0].args["text"]
        assert "summary" in in_thread[1].args["text"]
    finally:
        replica.stop()


def test_two_running_schedulers_tick_for_real_and_send_once(clock, slack, fake, app, db_url):
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    add_rhythm(slack, fake, app, nudge_after_hours=text(""))
    replica = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock).start()
    ticks = []
    for server in (app, replica):
        original = server.scheduler.tick
        server.scheduler.tick = lambda original=original: ticks.append(original())
        server.scheduler.start()  # APScheduler, every 0.05 s
    try:
        clock.set(datetime(2026, 11, 23, 9, tzinfo=UTC))
        eventually(lambda: checkin_posts(fake), what="check-in sent by one of the schedulers")
        seen = len(ticks)
        eventually(lambda: len(ticks) >= seen + 10, what="both schedulers kept ticking")
        assert len(checkin_posts(fake)) == 1
    finally:
        replica.stop()


def test_429s_during_a_50_person_fan_out_lose_and_duplicate_nothing(clock, slack, fake, app):
    people = [f"UCREW{n:02d}" for n in range(50)]
    for person in people:
        fake.add_user(person, "T_HOME")
    fake.channel_members["C_PARTNER"] = ["ULEAD", *people, "UBOT"]
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    set_feedback_cycle(slack, fake, app, "0")  # only the nudges meet Slack's refusals here
    add_rhythm(slack, fake, app, audience=radio("client"))
    clock.set(datetime(2026, 11, 23, 9, tzinfo=UTC))
    app.scheduler.tick()
    assert "<@UCREW49>" in str(checkin_posts(fake)[0].args["blocks"])

    clock.set(datetime(2026, 11, 24, 5, tzinfo=UTC))
    fake.fail("chat.postMessage", 429, times=4, retry_after=0)  # retried in-line by the gateway
    fake.fail("chat.postMessage", 503, times=2)
    fake.fail("chat.postMessage", 429, times=7, retry_after=0)  # more than the gateway retries: send is delayed
    app.scheduler.tick()
    with app.runtime.db.session() as session:
        delayed = list(
            session.scalars(
                select(ScheduledSend).where(ScheduledSend.kind == "nudge_dm", ScheduledSend.status == "pending")
            )
        )
        # slack-sdk's retry handlers share one attempt count, so a send that met 429s and then 503s gives up
        # sooner: whatever the mix, a send Slack kept refusing waits for a later tick, never dropped.
        assert delayed and {d.last_error for d in delayed} <= {"ratelimited", "fatal_error"}
        assert all(d.due_at > clock.now() for d in delayed)
    clock.advance(minutes=1)
    app.scheduler.tick()
    dms = nudge_dms(fake)
    assert sorted(dms) == sorted(["ULEAD", *people])  # all 51, each exactly once
    with app.runtime.db.session() as session:
        statuses = set(session.scalars(select(ScheduledSend.status).where(ScheduledSend.kind == "nudge_dm")))
        assert statuses == {"sent"}
    assert (
        len([c for c in fake.attempts if c.method == "chat.postMessage"]) == len(fake.calls_to("chat.postMessage")) + 13
    )


def test_posts_to_one_channel_are_paced_to_slacks_limit(clock, fake, db_url):
    paced = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock, pace_posts=True).start()
    try:
        for number in range(5):
            paced.runtime.gateway.post_message(channel="C_BUSY", text=f"message {number}")
        paced.runtime.gateway.post_message(channel="C_QUIET", text="not held up")
        arrivals = [c.at for c in fake.calls_to("chat.postMessage")]
        # a burst of 3, then one a second: the 5th arrives 2 s after the 1st; the other channel at once
        assert arrivals[4] - arrivals[0] >= 1.9
        assert arrivals[2] - arrivals[0] < 0.5 and arrivals[5] - arrivals[4] < 0.5
    finally:
        paced.stop()


def test_a_check_in_waiting_on_slack_is_not_sent_after_its_rhythm_is_paused(clock, slack, fake, app):
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    set_feedback_cycle(slack, fake, app, "0")
    add_rhythm(slack, fake, app)
    clock.set(datetime(2026, 11, 23, 9, tzinfo=UTC))
    fake.error("chat.postMessage", "internal_error")  # Slack fails the check-in: it waits for a later tick
    app.scheduler.tick()
    assert checkin_posts(fake) == []
    slack.command("rhythm pause 1")
    clock.advance(minutes=5)
    app.scheduler.tick()
    assert checkin_posts(fake) == [] and [c.status for c in checkins(app)] == ["skipped"]

"""Per-channel pacing of posts, with time moved by hand."""

from bot.slack.pacing import ARRIVAL_MARGIN, ChannelPacer, TierPacer


class Clock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_burst_then_one_per_second_per_channel():
    clock = Clock()
    pacer = ChannelPacer(burst=3, interval=1.0, monotonic=clock.monotonic, sleep=clock.sleep)
    assert [pacer.wait("C1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.wait("C1") == 1.0
    assert pacer.wait("C2") == 0.0  # other channels are not held up
    assert pacer.wait("C1") == 1.0
    clock.now += 10  # a quiet channel earns its burst back, no more
    assert [pacer.wait("C1") for _ in range(4)] == [0.0, 0.0, 0.0, 1.0]
    assert clock.slept == [1.0, 1.0, 1.0]


def test_sends_refused_together_are_told_to_come_back_one_interval_apart():
    clock = Clock()
    pacer = ChannelPacer(burst=3, interval=1.0, monotonic=clock.monotonic, sleep=clock.sleep)
    assert [pacer.try_take("C1") for _ in range(3)] == [0.0, 0.0, 0.0]
    told = [pacer.try_take("C1") for _ in range(4)]
    assert told == [1.0, 2.0, 3.0, 4.0]  # not four callers back at 1.0, three of them to be refused again
    assert pacer.try_take("C2") == 0.0  # other channels are not held up
    for wait in told:  # each comes back when told, and finds its slot free
        clock.now = 100.0 + wait
        assert pacer.try_take("C1") == 0.0
    assert clock.slept == []  # never sleeps: the caller moves on


def test_callers_wanting_one_channels_member_list_are_told_one_moment():
    """Every check-in of a channel needs its member list: one slot of the method's tier does for all of them, so
    they are told the first one's moment, not a later one each behind every other channel's."""
    clock = Clock()
    tiers = TierPacer({"conversations.members": (1, 0.5)}, monotonic=clock.monotonic, sleep=clock.sleep)
    assert tiers.try_take("conversations.members", "C1") == 0.0
    assert tiers.try_take("conversations.members", "C2") == 0.5
    assert tiers.try_take("conversations.members", "C2") == 0.5  # C2's next check-in: the same
    assert tiers.try_take("conversations.members", "C3") == 1.0  # another channel: the next slot
    clock.now += 0.5
    assert tiers.try_take("conversations.members", "C2") == 0.0  # back when told: the slot is free
    assert tiers.try_take("users.info", "U1") == 0.0  # a method without a tier here is not held
    assert clock.slept == []  # never sleeps: the caller moves on


def test_a_call_that_waited_for_its_tier_goes_out_a_margin_after_its_slot_and_the_slots_keep_their_pace():
    """Slack counts a call when it arrives: after a quiet spell its bucket runs the first call's latency behind
    ours, so a call that waited for its slot goes out ARRIVAL_MARGIN after it; the pace itself is unchanged."""
    clock = Clock()
    tiers = TierPacer({"chat.postMessage": (2, 0.5)}, monotonic=clock.monotonic, sleep=clock.sleep)
    assert [tiers.wait("chat.postMessage") for _ in range(2)] == [0.0, 0.0]
    assert clock.slept == []  # a free slot: out at once
    assert tiers.wait("chat.postMessage") == 0.5
    assert clock.slept == [0.5, ARRIVAL_MARGIN]
    clock.now = 101.0  # the next slot, as if the margin had not been slept: slots stay one interval apart
    assert tiers.wait("chat.postMessage") == 0.0
    assert tiers.wait("chat.postMessage") == 0.5

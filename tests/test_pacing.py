"""Per-channel pacing of posts, with time moved by hand."""

from bot.slack.pacing import ChannelPacer


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

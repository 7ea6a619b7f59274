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

"""A per-person flood brake: a token bucket per sender, in memory.

A person may send a burst (a photo album, a booking clicked through quickly), then about one a second.
Past that they are told once to slow down and then ignored until the bucket refills; other people are
never slowed by it, since each sender has their own bucket.
"""

from dataclasses import dataclass, field
from typing import Literal

from bot.clock import Clock

Verdict = Literal["ok", "tell", "silent"]


@dataclass
class _Bucket:
    tokens: float
    at: float
    told: bool = False


@dataclass
class Throttle:
    clock: Clock
    burst: int = 40
    per_second: float = 1.0
    max_tracked: int = 50_000  # forget full buckets past this many senders (memory stays bounded)
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def check(self, sender: str) -> Verdict:
        now = self.clock.now().timestamp()
        bucket = self._buckets.get(sender)
        if bucket is None:
            if len(self._buckets) >= self.max_tracked:
                self._forget_full(now)
            bucket = self._buckets[sender] = _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.per_second)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.told = False
            return "ok"
        if bucket.told:
            return "silent"
        bucket.told = True
        return "tell"

    def _forget_full(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.at) * self.per_second >= self.burst]
        for key in full:
            del self._buckets[key]

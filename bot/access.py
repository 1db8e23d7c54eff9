"""Who may use the staff group's commands and buttons: its members (asked from the channel, trusted for a
minute only, so someone removed from the group loses access within that time), and, when an allow-list
is set (WILLKOMMEN_STAFF_IDS), only the ids on it."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.clock import Clock

MAX_REMEMBERED = 10_000


@dataclass
class StaffAccess:
    clock: Clock
    allowed: frozenset[int] = frozenset()  # empty: every member of the staff group
    ttl_seconds: float = 60.0
    _known: dict[tuple[int, int], tuple[bool, float]] = field(default_factory=dict)

    async def allows(self, chat_id: int, user_id: int, is_member: Callable[[], Awaitable[bool]]) -> bool:
        if self.allowed and user_id not in self.allowed:
            return False
        now = self.clock.now().timestamp()
        known = self._known.get((chat_id, user_id))
        if known is not None and now - known[1] < self.ttl_seconds:
            return known[0]
        member = await is_member()
        if len(self._known) > MAX_REMEMBERED:
            self._known.clear()
        self._known[(chat_id, user_id)] = (member, now)
        return member

    def allows_anonymous_admin(self) -> bool:
        """An admin writing as the group cannot be matched against the allow-list."""
        return not self.allowed

"""Numbers for a channel's message ids that are not numbers (WhatsApp's "wamid.HBgL..."), so the inbox, the
relay and replies keep using integers; and the delivery status the platform reports for each message."""

from dataclasses import dataclass

from bot.clock import Clock
from bot.ports import Store


@dataclass
class MessageIds:
    store: Store
    clock: Clock
    channel: str  # the channel's name in `Person.channel`

    async def number(self, external_id: str, direction: str, user_id: str | None = None) -> int:
        """The message's number (the same when seen again); tied to the person, so it is erased with them."""
        person = await self.store.get_person(self.channel, user_id) if user_id else None
        return await self.store.number_message(
            self.channel, external_id, direction, self.clock.now(), person.id if person else None
        )

    async def external(self, number: int) -> str | None:
        return await self.store.message_external_id(self.channel, number)

    async def known(self, external_id: str) -> int | None:
        return await self.store.message_number(self.channel, external_id)

    async def reported(self, external_id: str, status: str, error_code: int | None, undeliverable: bool) -> None:
        """A delivery status; a number that cannot be reached any more makes its person inactive."""
        now = self.clock.now()
        person_id = await self.store.set_message_status(self.channel, external_id, status, error_code, now)
        if undeliverable and person_id is not None:
            await self.store.set_inactive(person_id, now)

    async def status(self, external_id: str) -> tuple[str | None, int | None]:
        return await self.store.message_status(self.channel, external_id)

"""The staff's guided flows in the staff group: /event (publish or edit), /events, /event_cancel,
/announce, /stop, /cancel, the answers typed at each step, and the flows' buttons."""

from dataclasses import dataclass
from datetime import timedelta

from bot import actions
from bot.actions import unpack
from bot.announcements import Announcements
from bot.events import EventFlow, Events
from bot.i18n import Translator
from bot.models import Actor, Reply
from bot.normalize import is_id
from bot.ports import Store
from bot.records import DraftKind

LIST_WEEKS = 26


@dataclass
class StaffFlows:
    store: Store
    events: Events
    event_flow: EventFlow
    announcements: Announcements
    tr: Translator  # the staff's language

    async def command(self, chat: int, user: int, name: str, args: str, actor: Actor | None = None) -> Reply:
        tr, args = self.tr, args.strip()
        if name == "event":
            return await self.event_flow.start(chat, user, int(args) if is_id(args) else None)
        if name == "events":
            return await self._events()
        if name == "event_cancel" and is_id(args):
            told = await self.events.cancel(int(args), actor)
            text = tr.gettext("Event #{number} cancelled; {told} people who wanted a reminder are told.")
            return Reply(text.format(number=args, told=told), tr.lang)
        if name == "announce":
            return await self.announcements.start(chat, user)
        if name == "stop" and is_id(args):
            stopped = await self.announcements.stop(int(args), actor)
            return Reply(tr.gettext("Stopped.") if stopped else tr.gettext("Nothing to stop."), tr.lang)
        if name == "cancel":
            await self.store.drop_draft(chat, user)
            return Reply(tr.gettext("Discarded."), tr.lang)
        return Reply(tr.gettext("Please write: /{command} <number>").format(command=name), tr.lang)

    async def _events(self) -> Reply:
        tr = self.tr
        now = self.events.clock.now()
        upcoming = await self.store.upcoming_events(now, now + timedelta(weeks=LIST_WEEKS))
        lines = [tr.gettext("Events (edit: /event <number>, cancel: /event_cancel <number>):")]
        for event in upcoming:
            start = event.starts_at.astimezone(self.events.content.timezone)
            lines.append(f"#{event.id} {tr.date_short(start.date())} {tr.time(start)} · {event.texts['de'][0]}")
        return Reply("\n".join(lines), tr.lang)

    async def text(self, chat: int, user: int, text: str) -> Reply | None:
        """Plain text in the staff group: the next answer of the writer's open flow, if they have one."""
        draft = await self.store.draft(chat, user)
        if draft is None:
            return None
        if draft.kind == DraftKind.EVENT:
            return await self.event_flow.answer(chat, user, draft.data, text)
        return await self.announcements.answer(chat, user, draft.data, text)

    async def press(self, chat: int, user: int, action: str, actor: Actor | None = None) -> Reply | None:
        pressed = unpack(action)
        if pressed.name == actions.ANNOUNCE_STOP:
            if is_id(pressed.arg):
                await self.announcements.stop(int(pressed.arg), actor)
            return None
        draft = await self.store.draft(chat, user)
        if draft is None:
            return None
        if pressed.name == actions.EVENT_FLOW and draft.kind == DraftKind.EVENT:
            return await self.event_flow.press(chat, user, draft.data, action, actor)
        if pressed.name == actions.ANNOUNCE_FLOW and draft.kind == DraftKind.ANNOUNCE:
            reply, _started = await self.announcements.press(chat, user, draft.data, action, actor)
            return reply
        return None

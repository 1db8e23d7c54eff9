"""Who on the staff did what, for accountability: closed a ticket, published, announced, blocked, banned.

Entries name the action and what it was done to (a ticket or event number, an office and day), never
message content. Staff read the recent entries with /audit.
"""

from datetime import datetime, tzinfo

from bot.i18n import Translator
from bot.models import Actor, Reply
from bot.ports import Store


async def record(
    store: Store,
    now: datetime,
    actor: Actor | None,
    action: str,
    target: str | None = None,
    office_id: str | None = None,
) -> None:
    if actor is not None:
        await store.add_audit(actor.id, actor.name, action, target, office_id, now)


def _labels(tr: Translator) -> dict[str, str]:
    return {
        "ticket_closed": tr.gettext("closed a ticket"),
        "faq_sent": tr.gettext("sent an FAQ answer"),
        "booking_offered": tr.gettext("offered a booking"),
        "language_set": tr.gettext("set a person's language"),
        "banned": tr.gettext("blocked a person"),
        "unbanned": tr.gettext("unblocked a person"),
        "slot_blocked": tr.gettext("blocked a time or day"),
        "slot_unblocked": tr.gettext("unblocked a time or day"),
        "home_visit_set": tr.gettext("set a home visit"),
        "attendance": tr.gettext("marked attendance"),
        "event_published": tr.gettext("published an event"),
        "event_cancelled": tr.gettext("cancelled an event"),
        "announcement_sent": tr.gettext("sent an announcement"),
        "announcement_stopped": tr.gettext("stopped an announcement"),
        "faq_learned": tr.gettext("taught the bot an answer"),
    }


async def listing(store: Store, tr: Translator, zone: tzinfo, limit: int = 20) -> Reply:
    entries = await store.audit_entries(limit)
    if not entries:
        return Reply(tr.gettext("The audit log is empty."), tr.lang)
    labels = _labels(tr)
    lines = ["🧾 " + tr.gettext("Last {count} staff actions:").format(count=len(entries))]
    for entry in entries:
        at = entry.at.astimezone(zone)
        who = entry.actor_name or "?"
        what = labels.get(entry.action, entry.action)
        target = f" {entry.target}" if entry.target else ""
        lines.append(f"{tr.date_short(at.date())} {tr.time(at)} · {who} ({entry.actor_id}) · {what}{target}")
    return Reply("\n".join(lines), tr.lang)

"""Walk the booking conversation through its own buttons, as a person would."""

from bot.models import Incoming, Reply

CH = "test"


def press(user: str, action: str, first_name: str = "Amina") -> Incoming:
    return Incoming(CH, user, "action", action=action, meta={"first_name": first_name})


def actions(reply: Reply) -> list[str]:
    return [b.action for row in reply.buttons for b in row]


def first(reply: Reply, prefix: str) -> str:
    return next(a for a in actions(reply) if a.startswith(prefix))


async def start(engine, user: str, lang: str = "de") -> None:
    await engine.handle(Incoming(CH, user, "command", action="start", lang_hint=lang))
    await engine.handle(press(user, f"lang:{lang}"))
    await engine.handle(press(user, "consent:yes"))


async def walk_to_times(engine, user: str, office: str = "brackel", day_index: int = 0) -> Reply:
    [hub] = await engine.handle(press(user, "appts"))
    [offices] = await engine.handle(press(user, first(hub, "bk:o:n")))
    [days] = await engine.handle(press(user, next(a for a in actions(offices) if a.endswith(f":{office}"))))
    day_actions = [a for a in actions(days) if a.startswith("bk:t:")]
    [times] = await engine.handle(press(user, day_actions[day_index]))
    return times


async def book(
    engine,
    user: str,
    office: str = "brackel",
    day_index: int = 0,
    time_index: int = 0,
    topic: str = "letters",
    interpreter: str = "ar",
    first_name: str = "Amina",
) -> Reply:
    times = await walk_to_times(engine, user, office, day_index)
    slot_actions = [a for a in actions(times) if a.startswith("bk:p:")]
    [topics] = await engine.handle(press(user, slot_actions[time_index]))
    [interpreters] = await engine.handle(press(user, first(topics, "bk:i:").rsplit(":", 1)[0] + f":{topic}"))
    [summary] = await engine.handle(press(user, first(interpreters, "bk:s:").rsplit(":", 1)[0] + f":{interpreter}"))
    [confirmed] = await engine.handle(press(user, first(summary, "bk:c:"), first_name))
    return confirmed

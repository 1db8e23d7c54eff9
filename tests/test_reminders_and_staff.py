"""Reminders, notices and the staff desk: stored, sent once, in the right language, surviving restarts."""

from pathlib import Path

from booking_helpers import CH, actions, book, first, press, start
from conftest import berlin

from bot.bootstrap import build_app
from bot.clock import ManualClock
from bot.config import load_settings
from bot.models import Outgoing
from bot.scheduler import Scheduler, Undeliverable


class Channel:
    """A channel that records what it is given (the boundary the core talks to, not our code)."""

    def __init__(self, fail: int = 0, undeliverable: bool = False):
        self.sent: list[Outgoing] = []
        self.fail = fail
        self.undeliverable = undeliverable

    async def __call__(self, message: Outgoing) -> None:
        if self.undeliverable:
            raise Undeliverable("test")
        if self.fail:
            self.fail -= 1
            raise ConnectionError("network down")
        self.sent.append(message)


async def make_app(tmp_path: Path, clock: ManualClock, monkeypatch, **env):
    monkeypatch.setenv("WILLKOMMEN_DB", str(tmp_path / "app.sqlite3"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return await build_app(load_settings(env_file=None), clock)


async def test_reminders_are_sent_once_in_the_persons_language(tmp_path, monkeypatch):
    clock = ManualClock(berlin(2026, 11, 24, 10, 30))
    app = await make_app(tmp_path, clock, monkeypatch)
    await start(app.engine, "r1", "fa")
    await book(app.engine, "r1", day_index=2)  # Thursday 09:00: reminders Wednesday 09:00 and Thursday 06:00
    scheduler = Scheduler(app.store, app.notices, clock, "boot-1")
    channel = Channel()
    await scheduler.run_once(channel)
    assert [m for m in channel.sent if m.channel] == []  # nothing due yet
    clock.set(berlin(2026, 11, 25, 9, 0))
    await scheduler.run_once(channel)
    await scheduler.run_once(channel)
    reminders = [m for m in channel.sent if m.channel == CH]
    assert len(reminders) == 1 and reminders[0].reply.lang == "fa"
    assert any(a.startswith("ap:ok:") for a in actions(reminders[0].reply))
    assert any(a.startswith("ap:x:") for a in actions(reminders[0].reply))
    clock.set(berlin(2026, 11, 26, 6, 0))
    await scheduler.run_once(channel)
    assert len([m for m in channel.sent if m.channel == CH]) == 2  # the 3-hours-before reminder
    await app.close()


async def test_no_reminder_for_a_cancelled_appointment(tmp_path, monkeypatch):
    clock = ManualClock(berlin(2026, 11, 24, 10, 30))
    app = await make_app(tmp_path, clock, monkeypatch)
    await start(app.engine, "r2", "en")
    await book(app.engine, "r2", day_index=1)
    [hub] = await app.engine.handle(press("r2", "appts"))
    [question] = await app.engine.handle(press("r2", first(hub, "ap:x:")))
    await app.engine.handle(press("r2", first(question, "ap:X:")))
    clock.set(berlin(2026, 11, 25, 8, 0))
    channel = Channel()
    await Scheduler(app.store, app.notices, clock, "boot").run_once(channel)
    assert [m for m in channel.sent if m.channel == CH] == []
    assert {r.state for r in await app.store.outbox_rows() if r.kind == "reminder"} == {"skipped"}
    await app.close()


async def test_reminders_survive_a_restart_and_a_crash_mid_send(tmp_path, monkeypatch):
    clock = ManualClock(berlin(2026, 11, 24, 10, 30))
    app = await make_app(tmp_path, clock, monkeypatch)
    await start(app.engine, "r3", "ar")
    await book(app.engine, "r3", day_index=2)
    await app.close()
    # A new process: same file, new run.
    clock.set(berlin(2026, 11, 24, 9, 30))
    app = await make_app(tmp_path, clock, monkeypatch)
    clock.set(berlin(2026, 11, 26, 6, 0))
    claimed = await app.store.claim_due(clock.now(), "crashed-run")  # a run claims them and dies
    assert {r.kind for r in claimed} >= {"reminder"}
    channel = Channel()
    await Scheduler(app.store, app.notices, clock, "next-run").run_once(channel)
    reminders = [m for m in channel.sent if m.channel == CH]
    assert len(reminders) == 2 and all(m.reply.lang == "ar" for m in reminders)
    await Scheduler(app.store, app.notices, clock, "third-run").run_once(channel)
    assert len([m for m in channel.sent if m.channel == CH]) == 2  # never twice
    await app.close()


async def test_a_failed_send_is_retried_later_and_undeliverable_is_skipped(tmp_path, monkeypatch):
    clock = ManualClock(berlin(2026, 11, 24, 10, 30))
    app = await make_app(tmp_path, clock, monkeypatch)
    await start(app.engine, "r4", "de")
    await book(app.engine, "r4", day_index=2)
    clock.set(berlin(2026, 11, 26, 6, 0))
    scheduler = Scheduler(app.store, app.notices, clock, "boot")
    flaky = Channel(fail=10)
    await scheduler.run_once(flaky)
    assert flaky.sent == [] and {r.state for r in await app.store.outbox_rows() if r.kind == "reminder"} == {"pending"}
    flaky.fail = 0
    await scheduler.run_once(flaky)
    assert len([m for m in flaky.sent if m.channel == CH]) == 2
    # A message no channel here can deliver (e.g. no staff group set) is skipped, not retried forever.
    await app.store.enqueue("staff_booked:x", "staff_booked", None, "1", clock.now(), clock.now())
    await scheduler.run_once(Channel(undeliverable=True))
    [row] = [r for r in await app.store.outbox_rows() if r.key == "staff_booked:x"]
    assert row.state == "skipped"
    await app.close()


async def test_staff_agenda_attendance_and_notices(tmp_path, monkeypatch):
    clock = ManualClock(berlin(2026, 11, 24, 10, 30))
    app = await make_app(tmp_path, clock, monkeypatch)
    await start(app.engine, "s1", "ti")
    await book(app.engine, "s1", topic="housing", interpreter="ti")  # today 14:00
    channel = Channel()
    await Scheduler(app.store, app.notices, clock, "boot").run_once(channel)
    staff_messages = [m.reply.text for m in channel.sent if m.channel is None]
    assert any(t.startswith("🆕") and "14:00" in t and "Amina" in t for t in staff_messages)
    agenda = next(t for t in staff_messages if t.startswith("📋"))
    line = next(x for x in agenda.splitlines() if "14:00" in x)
    assert "Amina" in line and "Tigrinya" in line and "#1" in line
    [reply] = await app.staff.command("agenda", "")
    mark = first(reply, "sa:1:a")
    [updated] = await app.staff.press(mark)
    assert updated.replace and "✅ 14:00" in updated.text
    item = await app.store.appointment(1)
    assert item.status == "attended"
    await app.staff.press("sa:1:m:2026-11-24")
    assert (await app.store.appointment(1)).status == "missed"
    [other_day] = await app.staff.command("agenda", "25.11.2026 brackel")
    assert "14:00" not in other_day.text
    await app.close()


async def test_staff_block_unblock_and_home_visits(tmp_path, monkeypatch):
    clock = ManualClock(berlin(2026, 11, 24, 10, 30))
    app = await make_app(tmp_path, clock, monkeypatch)
    [blocked] = await app.staff.command("block", "brackel 24.11.2026 14:00")
    assert "14:00" in blocked.text
    assert ("2026-11-24", "14:00") in await app.store.blocks("brackel", "2026-11-24", "2026-11-24")
    [unknown] = await app.staff.command("block", "brackel 24.11.2026 13:00")
    assert "13:00" in unknown.text and len(await app.store.blocks("brackel", "2026-11-24", "2026-11-24")) == 1
    await app.staff.command("unblock", "brackel 24.11.2026 14:00")
    assert await app.store.blocks("brackel", "2026-11-24", "2026-11-24") == set()
    [usage] = await app.staff.command("block", "nowhere tomorrow")
    assert "brackel" in usage.text
    # A home visit: asked for by the person, set by staff, told to the person in their language.
    await start(app.engine, "hv", "ar")
    [ask] = await app.engine.handle(press("hv", "hv:ask"))
    await app.engine.handle(press("hv", first(ask, "hv:yes")))
    channel = Channel()
    scheduler = Scheduler(app.store, app.notices, clock, "boot")
    await scheduler.run_once(channel)
    request = next(m.reply.text for m in channel.sent if m.channel is None and m.reply.text.startswith("🏡"))
    number = request.split("#")[1].split(":")[0]
    [confirmed] = await app.staff.command("visit", f"{number} 27.11.2026 14:00")
    assert "14:00" in confirmed.text
    await scheduler.run_once(channel)
    told = [m for m in channel.sent if m.channel == CH]
    assert len(told) == 1 and told[0].reply.lang == "ar" and "14:00" in told[0].reply.text
    await app.close()


async def test_event_reminder_is_sent_once_the_day_before(tmp_path, monkeypatch):
    clock = ManualClock(berlin(2026, 11, 24, 10, 30))
    app = await make_app(tmp_path, clock, monkeypatch)
    await start(app.engine, "ev1", "ar")
    [listing] = await app.engine.handle(press("ev1", "events"))
    [details] = await app.engine.handle(press("ev1", first(listing, "ev:d:")))
    await app.engine.handle(press("ev1", first(details, "ev:r:")))
    scheduler = Scheduler(app.store, app.notices, clock, "boot")
    channel = Channel()
    await scheduler.run_once(channel)
    assert [m for m in channel.sent if m.channel == CH] == []
    clock.set(berlin(2026, 12, 2, 15, 0))  # the day before the language café (3 December, 15:00)
    await scheduler.run_once(channel)
    await Scheduler(app.store, app.notices, clock, "after-restart").run_once(channel)
    [reminder] = [m for m in channel.sent if m.channel == CH]
    assert reminder.reply.lang == "ar" and "مقهى اللغة" in reminder.reply.text
    await app.close()

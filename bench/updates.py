"""Update handling: the whole bot on each Telegram adapter (aiogram, python-telegram-bot = PTB) against a bare
echo bot on the same library, on the same harness in the same run.

    python -m bench.updates [--people 1000 10000] [--sessions 300] [--concurrency 20]

The database holds 1,000 or 10,000 people. Simulated people (each one of them, `concurrency` at a time)
go through a short session: questions in their language, menu buttons, and for every fifth person a
booking. Updates are handed to the Dispatcher directly (`feed_raw_update`: no polling or webhook server
in the way); the fake Bot API server runs as its own process and logs when each reply arrives. Time
from update to reply: from handing the update over to the arrival of the first reply call (a message
sent or edited) at the fake server. The echo bot (one handler: send the text or button data back) gets
exactly the same updates, with the same concurrency, through the same kind of Bot client. The PTB echo
bot (the same two handlers, `Application.process_update` on each update, PTB's own httpx client with a pool
as large as aiogram's default of 100 connections) gets them too, after the aiogram one, against the same
fake server process, and so does the whole bot on the PTB adapter (`feed`: the inbox claim, the routing,
the stored replies), on its own copy of the database. Last, each library's import cost: `import aiogram` and `import telegram, telegram.ext`,
each in a fresh interpreter (median of several), time to import and peak RSS.

Each person sends at most 7 updates, one after the other: within the flood throttle (about 15 in a
burst), so the bot is measured, not the throttle.
"""

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, Message

from bench.answering import questions
from bench.common import LANGS, ROOT, percentile, table, write_result
from bench.harness import Updates, channel, feed_raw, prepare_db
from bot import booking
from handlers.telegram.app import make_bot

GOAL_RATIO = 1.5
REPLY_METHODS = {"sendMessage", "editMessageText", "sendDocument"}


class LastMessages(BaseRequestMiddleware):
    """Remembers the id of the last message the bot sent to each chat: the one a person presses on."""

    def __init__(self) -> None:
        self.last: dict[int, int] = {}

    async def __call__(self, make_request, bot, method):  # type: ignore[no-untyped-def]
        result = await make_request(bot, method)
        if isinstance(method, SendMessage) and isinstance(result, Message):
            self.last[int(method.chat_id)] = result.message_id
        return result


def sessions(users: list[int], count: int, slots: list[str], seed: int = 5) -> list[tuple[int, str, list[tuple]]]:
    """Per person: a list of steps, ("text", question) or ("press", callback data)."""
    rng = random.Random(seed)
    by_lang: dict[str, list[str]] = defaultdict(list)
    for line in (ROOT / "tests" / "data" / "faq_dev.jsonl").read_text().splitlines():
        item = json.loads(line)
        by_lang[item["lang"]].append(item["text"])
    everything = questions()
    result = []
    for n, user in enumerate(rng.sample(users, min(count, len(users)))):
        lang = LANGS[(user - users[0]) % 5]  # as stored by add_people
        ask = by_lang.get(lang) or everything
        steps: list[tuple] = [
            ("text", rng.choice(ask)),
            ("press", "hours"),
            ("press", "menu"),
            ("text", rng.choice(ask)),
        ]
        steps += [("press", "appts"), ("press", f"bk:c:n:brackel:{slots[n % len(slots)]}:-:-")] if n % 5 == 0 else []
        steps += [("press", rng.choice(["events", "offers", "where", "contact"]))]
        result.append((user, lang, steps))
    return result


async def _drive(feed, make_update, plan, concurrency: int) -> tuple[list[tuple[int, float]], float, float]:
    """Run the sessions; returns (chat, time handed over) per update, wall seconds and CPU seconds."""
    fed: list[tuple[int, float]] = []
    queue: asyncio.Queue = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)

    async def worker() -> None:
        while not queue.empty():
            user, lang, steps = queue.get_nowait()
            for step in steps:
                update = make_update(user, lang, step)
                fed.append((user, time.monotonic()))
                await feed(update)

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return fed, time.perf_counter() - wall, time.process_time() - cpu


def _reply_times(fed: list[tuple[int, float]], log: list[list[Any]]) -> list[float]:
    arrivals: dict[int, list[float]] = defaultdict(list)
    for method, chat, at in log:
        if method in REPLY_METHODS:
            arrivals[int(chat)].append(float(at))
    times = []
    position: dict[int, int] = defaultdict(int)
    for chat, handed in fed:
        ours = arrivals[chat]
        i = position[chat]
        while i < len(ours) and ours[i] < handed:
            i += 1
        if i < len(ours):
            times.append(ours[i] - handed)
            i += 1
        position[chat] = i
    return times


async def _fetch_log(session, base_url: str) -> list[list[Any]]:
    async with session.get(f"{base_url}/_bench/log") as response:
        return await response.json()


def _figures(name: str, fed, wall: float, cpu: float, log) -> dict[str, Any]:
    times = _reply_times(fed, log)
    return {
        "bot": name,
        "updates": len(fed),
        "replies_matched": len(times),
        "updates_per_second": len(fed) / wall,
        "cpu_ms_per_update": cpu / len(fed) * 1000,
        "p50_ms": percentile(times, 0.5) * 1000,
        "p99_ms": percentile(times, 0.99) * 1000,
        "api_calls": len(log),
    }


async def run_size(people: int, count: int, concurrency: int, base_url: str, token: str, workdir: Path) -> list[dict]:
    from aiohttp import ClientSession

    db = workdir / f"updates-{people}.sqlite3"
    users = await prepare_db(db, people)
    async with ClientSession() as http, channel(base_url, token, db, library="aiogram") as ours:
        office = ours.app.content.offices["brackel"]
        day = ours.clock.now().date()
        slot_keys: list[str] = []
        while len(slot_keys) < 40:
            day = day.fromordinal(day.toordinal() + 1)
            slot_keys += [s.key for s in booking.slots_on(ours.app.content, office, day)]
        plan = sessions(users, count, slot_keys)
        last = LastMessages()
        ours.bot.session.middleware(last)
        updates = Updates(first_id=people * 10)
        recorded: list[dict] = []

        def make_update(user: int, lang: str, step: tuple) -> dict:
            kind, value = step
            if kind == "text":
                update = updates.text(user, value, lang)
            else:
                update = updates.press(user, last.last.get(user, 1), value, lang)
            recorded.append(update)
            return update

        async def feed(update: dict) -> None:
            await feed_raw(ours, update)

        await _fetch_log(http, base_url)  # start-up calls are not part of it
        fed, wall, cpu = await _drive(feed, make_update, plan, concurrency)
        full = _figures("lokal willkommen (aiogram)", fed, wall, cpu, await _fetch_log(http, base_url))

    echo_bot, echo = _echo_bot(base_url, token)
    replay = _replay(recorded)
    try:

        async def feed_echo(update: dict) -> None:
            await echo.feed_raw_update(echo_bot, update)

        fed, wall, cpu = await _drive(feed_echo, replay, plan, concurrency)
        async with ClientSession() as http:
            bare = _figures("echo (bare aiogram)", fed, wall, cpu, await _fetch_log(http, base_url))
    finally:
        await echo_bot.session.close()
    ptb_full = await _ptb_channel_figures(base_url, token, workdir / f"updates-{people}-ptb.sqlite3", people,
                                          recorded, plan, concurrency)  # fmt: skip
    ptb = await _ptb_echo_figures(base_url, token, recorded, plan, concurrency)
    # Not the baseline (that is the library as it comes): the same echo bot on the transport our PTB adapter
    # uses, to show how much of the difference is the transport.
    ptb_aiohttp = await _ptb_echo_figures(base_url, token, recorded, plan, concurrency, transport="aiohttp")
    rows = [full, bare, ptb_full, ptb, ptb_aiohttp]
    for row, library in zip(rows, ("aiogram", "aiogram", "ptb", "ptb", "ptb"), strict=True):
        row["people_stored"] = people
        row["library"] = library
    for ours_row, echo_row in ((full, bare), (ptb_full, ptb)):
        ours_row["cost_ratio_cpu"] = ours_row["cpu_ms_per_update"] / echo_row["cpu_ms_per_update"]
        ours_row["cost_ratio_throughput"] = echo_row["updates_per_second"] / ours_row["updates_per_second"]
    ptb["cpu_vs_aiogram_echo"] = ptb["cpu_ms_per_update"] / bare["cpu_ms_per_update"]
    ptb_full["cost_ratio_cpu_vs_echo_on_our_transport"] = (
        ptb_full["cpu_ms_per_update"] / ptb_aiohttp["cpu_ms_per_update"]
    )
    return rows


async def _ptb_channel_figures(
    base_url: str, token: str, db: Path, people: int, recorded: list[dict], plan, concurrency: int
) -> dict:
    """The whole bot on the python-telegram-bot adapter, on a database like the aiogram run's (the same people),
    fed the same recorded updates. (A press names the message the aiogram run pressed on: it exists at the
    fake server, so the edit costs the same.)"""
    from aiohttp import ClientSession

    await prepare_db(db, people)
    async with ClientSession() as http, channel(base_url, token, db, library="ptb") as ours:

        async def feed(update: dict) -> None:
            await feed_raw(ours, update)

        await _fetch_log(http, base_url)  # start-up calls are not part of it
        fed, wall, cpu = await _drive(feed, _replay(recorded), plan, concurrency)
        return _figures("lokal willkommen (python-telegram-bot)", fed, wall, cpu, await _fetch_log(http, base_url))


def _replay(recorded: list[dict]):
    """make_update for an echo bot: each person's recorded updates again, in their order. (Taken in the global
    order instead, a worker could hand over another person's update, and its reply was matched to no one.)"""
    mine: dict[int, list[dict]] = defaultdict(list)
    for update in recorded:
        who = update["message"]["chat"]["id"] if "message" in update else update["callback_query"]["from"]["id"]
        mine[who].append(update)

    def make_update(user: int, lang: str, step: tuple) -> dict:
        return mine[user].pop(0)

    return make_update


async def _ptb_echo_figures(
    base_url: str, token: str, recorded: list[dict], plan, concurrency: int, transport: str = "httpx"
) -> dict:
    """The echo bot on python-telegram-bot, fed the recorded updates in the same order and concurrency;
    `transport`: "httpx" (PTB's own, the baseline) or "aiohttp" (our adapter's, handlers/telegram_ptb/transport.py)."""
    from aiohttp import ClientSession
    from telegram import Update

    app = _ptb_echo_bot(base_url, token, transport)
    await app.initialize()  # getMe, as aiogram's start does
    replay = _replay(recorded)
    try:
        async with ClientSession() as http:
            await _fetch_log(http, base_url)  # PTB's start-up call is not part of it

            async def feed(update: dict) -> None:
                await app.process_update(Update.de_json(update, app.bot))

            fed, wall, cpu = await _drive(feed, replay, plan, concurrency)
            name = "echo (bare python-telegram-bot)" if transport == "httpx" else "echo (PTB on our aiohttp transport)"
            return _figures(name, fed, wall, cpu, await _fetch_log(http, base_url))
    finally:
        await app.shutdown()


def _ptb_echo_bot(base_url: str, token: str, transport: str = "httpx"):  # -> telegram.ext.Application
    from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters
    from telegram.request import HTTPXRequest

    from handlers.telegram_ptb.transport import AiohttpRequest

    if transport == "httpx":
        request = HTTPXRequest(connection_pool_size=100, read_timeout=30, write_timeout=30, pool_timeout=30)
    else:
        request = AiohttpRequest(pool_size=100, read_timeout=30, write_timeout=30, pool_timeout=30)
    app = Application.builder().token(token).base_url(f"{base_url}/bot").request(request).updater(None).build()

    async def echo_text(update, context) -> None:  # type: ignore[no-untyped-def]
        message = update.effective_message
        await context.bot.send_message(message.chat_id, message.text or "?")

    async def echo_press(update, context) -> None:  # type: ignore[no-untyped-def]
        query = update.callback_query
        await context.bot.send_message(query.from_user.id, query.data or "?")

    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE, echo_text))
    app.add_handler(CallbackQueryHandler(echo_press))
    return app


IMPORTS = {"aiogram": "aiogram", "python-telegram-bot": "telegram, telegram.ext"}
_IMPORT_PROBE = """
import json, time
started = time.perf_counter()
import {modules}
seconds = time.perf_counter() - started
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"seconds": seconds, "peak_rss_kb": peak_kb}}))
"""


def import_costs(repeats: int = 5) -> dict[str, dict[str, float]]:
    """Per library: median import time and peak RSS of a fresh interpreter that only imports it (and of a bare
    interpreter, for scale)."""
    result = {}
    for name, modules in {"bare interpreter": "sys", **IMPORTS}.items():
        runs = [
            json.loads(
                subprocess.run(
                    [sys.executable, "-c", _IMPORT_PROBE.format(modules=modules)],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            for _ in range(repeats)
        ]
        result[name] = {
            "import": f"import {modules}",
            "import_ms": statistics.median(r["seconds"] for r in runs) * 1000,
            "peak_rss_mb": statistics.median(r["peak_rss_kb"] for r in runs) / 1024,
        }
    return result


def _echo_bot(base_url: str, token: str) -> tuple[Bot, Dispatcher]:
    from types import SimpleNamespace

    from telegram_env import settings_for

    settings = settings_for(SimpleNamespace(base_url=base_url, token=token), Path("unused.sqlite3"))
    bot = make_bot(settings, request_timeout=30)
    dp = Dispatcher()

    @dp.message()
    async def echo_text(message: Message) -> None:
        await message.bot.send_message(message.chat.id, message.text or "?")  # type: ignore[union-attr]

    @dp.callback_query()
    async def echo_press(callback: CallbackQuery) -> None:
        await callback.bot.send_message(callback.from_user.id, callback.data or "?")  # type: ignore[union-attr]

    return bot, dp


async def run(sizes: list[int], count: int, concurrency: int, server: dict[str, str], workdir: Path) -> dict[str, Any]:
    rows = []
    for people in sizes:
        rows += await run_size(people, count, concurrency, server["base_url"], server["token"], workdir)
    # rows: per size, ours and the echo bot on each library; echo_bots: both libraries' echo bots side by side.
    echo_bots = [r for r in rows if r["bot"].startswith("echo")]
    return {
        "goal_ratio": GOAL_RATIO,
        "concurrency": concurrency,
        "sessions": count,
        "rows": rows,
        "echo_bots": echo_bots,
    }


def fake_server_process() -> tuple[subprocess.Popen, dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.fakeapi"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, nargs="+", default=[1000, 10000], help="people stored")
    parser.add_argument("--sessions", type=int, default=300, help="simulated people who write, per size")
    parser.add_argument("--concurrency", type=int, default=20, help="people writing at the same time")
    parser.add_argument("--import-repeats", type=int, default=5, help="fresh interpreters per library import")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    server, info = fake_server_process()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            result = asyncio.run(run(args.people, args.sessions, args.concurrency, info, Path(workdir)))
        if Path("/proc/self/status").exists():
            result["imports"] = import_costs(args.import_repeats)
    finally:
        assert server.stdin is not None
        server.stdin.close()  # the server ends when its stdin does
        server.wait(10)
    rows = [
        [r["bot"], r["people_stored"], r["updates"], r["updates_per_second"], r["cpu_ms_per_update"],
         r["p50_ms"], r["p99_ms"], f"{r['cost_ratio_cpu']:.2f}x" if "cost_ratio_cpu" in r else ""]
        for r in result["rows"]
    ]  # fmt: skip
    headers = ["bot", "people", "updates", "updates/s", "cpu ms/update", "p50 ms", "p99 ms", "cost ratio"]
    print(table(headers, rows))
    print(f"goal: at most {GOAL_RATIO}x the cost per update of the echo bot on the same library")
    print("\nTelegram libraries: the bare echo bot on each")
    echo_rows = [
        [r["bot"].removeprefix("echo (").removeprefix("bare ").removesuffix(")"), r["people_stored"], r["updates"],
         r["updates_per_second"], r["cpu_ms_per_update"], r["p50_ms"], r["p99_ms"]]
        for r in result["echo_bots"]
    ]  # fmt: skip
    print(table(["library", "people", "updates", "updates/s", "cpu ms/update", "p50 ms", "p99 ms"], echo_rows))
    if "imports" in result:
        import_rows = [[n, c["import"], c["import_ms"], c["peak_rss_mb"]] for n, c in result["imports"].items()]
        print(table(["", "fresh interpreter runs", "import ms", "peak RSS MB"], import_rows))
    print("result:", write_result("updates", result, args.out))
    return result


if __name__ == "__main__":
    main()

"""Updates are handled side by side, but one chat's updates in the order Telegram gave them: a social
worker's three quick answers in a topic must reach the person in the order written (real inbox, real SQLite)."""

import asyncio
import json

from bot.inbox import Inbox
from bot.receiving import Receiving
from handlers.telegram.running import chat_of


def update(update_id: int, chat: int, text: str) -> dict:
    return {"update_id": update_id, "message": {"message_id": update_id, "chat": {"id": chat}, "text": text}}


async def test_one_chats_updates_are_handled_in_order_other_chats_do_not_wait(store, clock):
    batch = [
        update(1, -100, "Antwort 0"),
        update(2, -100, "Antwort 1"),
        update(3, 555, "hallo"),
        update(4, -100, "Antwort 2"),
    ]
    # The first answer is slow to handle (a busy store, a slow API call): without the order it ends last.
    slow = {"Antwort 0": 0.3, "Antwort 1": 0.1, "hallo": 0.0, "Antwort 2": 0.0}
    finished: list[str] = []
    stop = asyncio.Event()
    fetched: list[int | None] = []

    async def fetch(offset):
        fetched.append(offset)
        if len(fetched) == 1:
            return batch
        await stop.wait()
        return []

    async def feed(update_id: int, payload: str) -> None:
        text = json.loads(payload)["message"]["text"]
        await asyncio.sleep(slow[text])
        finished.append(text)

    receiving = Receiving(Inbox(store, clock, "telegram:1", "boot"), sender=None)  # type: ignore[arg-type]
    polling = asyncio.create_task(receiving.poll(fetch, feed, stop, order_key=chat_of))
    for _ in range(200):
        if len(finished) == 4:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await polling
    await receiving.settle()
    assert [t for t in finished if t.startswith("Antwort")] == ["Antwort 0", "Antwort 1", "Antwort 2"]
    assert finished[0] == "hallo"  # another chat's update did not wait for the slow one


def test_the_chat_of_an_update_is_its_message_s_or_its_button_s_chat():
    assert chat_of(json.dumps(update(1, -100, "x"))) == "-100"
    tap = {"update_id": 2, "callback_query": {"id": "q", "from": {"id": 7}, "message": {"chat": {"id": 7}}}}
    assert chat_of(json.dumps(tap)) == "7"
    assert chat_of(json.dumps({"update_id": 3, "poll": {"id": "p"}})) is None and chat_of("not json") is None

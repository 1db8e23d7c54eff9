"""The Telegram channel through the real aiogram client against the fake Bot API server on 127.0.0.1."""

import asyncio
from pathlib import Path

from telegram_env import agreed, running_bot

from bot import bidi


def buttons(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


async def test_arabic_question_is_answered_in_arabic(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):
        amina = fake.user(1001, "Amina", "ar")
        await agreed(fake, amina)
        amina.says("متى يفتح المكتب؟")
        [reply] = await fake.wait_for_messages(amina.chat_id, 1)
    assert reply["text"].startswith(bidi.RLM)  # a right-to-left paragraph
    assert "مفتوح" in reply["text"]  # "open" (Tuesday 10:30)
    assert f"{bidi.FSI}12:00{bidi.PDI}" in reply["text"]
    call = fake.calls_to("sendMessage")[-1]
    assert call.params["parse_mode"] == "HTML"
    assert "langs.new" in buttons(reply)


async def test_start_with_office_deep_link_and_language_picker(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):
        user = fake.user(1002, "Jan", "de")
        await agreed(fake, user)
        user.says("/start brackel")
        [reply] = await fake.wait_for_messages(user.chat_id, 1)
    assert "lokal willkommen Brackel" in reply["text"]
    assert [b for b in buttons(reply) if b.startswith("lang:")] == [
        "lang:de",
        "lang:en",
        "lang:ar",
        "lang:fa",
        "lang:ti",
    ]
    rows = reply["reply_markup"]["inline_keyboard"]
    assert [r[0]["text"] for r in rows[:5]] == ["Deutsch", "English", "العربية", "فارسی / دری", "ትግርኛ"]


async def test_commands_are_registered_in_all_five_languages(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):
        pass
    languages = {lang for (_scope, lang) in fake.commands}
    assert languages == {"", "de", "en", "ar", "fa", "ti"}
    names = {tuple(c["command"] for c in cmds) for cmds in fake.commands.values()}
    assert names == {
        (
            "start",
            "menu",
            "appointments",
            "events",
            "news",
            "language",
            "office",
            "privacy",
            "mydata",
            "delete",
            "help",
        )
    }
    descriptions = {lang: cmds[1]["description"] for (_s, lang), cmds in fake.commands.items()}
    assert descriptions[""] == descriptions["de"] == "Hauptmenü"
    assert descriptions["en"] == "Main menu"
    assert len(set(descriptions.values())) == 5  # each language its own words


async def test_tigrinya_user_changes_language_with_the_menu_edited_in_place(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):
        user = fake.user(1003, "Senait", "ti")
        await agreed(fake, user)
        user.says("/menu")
        [menu] = await fake.wait_for_messages(user.chat_id, 1)
        assert "ቢሮ" in menu["text"] or "ቤት ጽሕፈት" in menu["text"]
        user.presses(menu, "langs")
        await fake.wait_for(lambda: len(fake.calls_to("editMessageText")) == 1)
        picker = fake.last_message_to(user.chat_id)
        assert "lang:de" in buttons(picker)
        user.presses(picker, "lang:de")
        await fake.wait_for(lambda: len(fake.calls_to("editMessageText")) == 2)
        user.says("wo ist das büro")
        await fake.wait_for_messages(user.chat_id, 2)
    messages = fake.messages_to(user.chat_id)
    assert len(messages) == 2  # the menu was edited, not sent again
    assert "Ich schreibe Ihnen jetzt auf Deutsch" in messages[0]["text"]
    assert "Brackeler Hellweg 146" in messages[1]["text"] and "Büro" in messages[1]["text"]
    assert len(fake.calls_to("answerCallbackQuery")) == 2


async def test_same_button_twice_is_not_an_error(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):
        user = fake.user(1004, "Ali", "fa")
        await agreed(fake, user)
        user.says("/menu")
        [menu] = await fake.wait_for_messages(user.chat_id, 1)
        user.presses(menu, "langs")
        await fake.wait_for(lambda: len(fake.calls_to("editMessageText")) == 1)
        user.presses(fake.last_message_to(user.chat_id), "langs")
        await fake.wait_for(lambda: len(fake.calls_to("answerCallbackQuery")) == 2)
        await asyncio.sleep(0.3)
    # The second edit is "not modified" (400): taken as done, no new message, no apology.
    assert len(fake.messages_to(user.chat_id)) == 1
    assert fake.calls_to("editMessageText", ok_only=False)[-1].status == 400


async def test_unsupported_messages_get_a_friendly_answer_in_the_users_language(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):
        user = fake.user(1005, "Yonas", "ti")
        await agreed(fake, user)
        user.sends(
            {
                "sticker": {
                    "file_id": "s1",
                    "file_unique_id": "u1",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            }
        )
        user.sends({"location": {"latitude": 51.5, "longitude": 7.5}})
        user.sends({"voice": {"file_id": "v1", "file_unique_id": "u2", "duration": 3}})
        replies = await fake.wait_for_messages(user.chat_id, 3)
    texts = [r["text"] for r in replies]
    assert len(set(texts)) == 1 and texts[0]  # the same friendly answer to each
    assert any("\u1200" <= ch <= "\u137f" for ch in texts[0])  # in Tigrinya (Ge'ez script)


async def test_the_bot_leaves_groups_that_are_not_the_staff_group(fake, tmp_path: Path, clock):
    staff = fake.staff_group(-1001111, "Staff")
    other = fake.group(-1002222, "Some group")
    another = fake.group(-1003333, "Another group")
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(staff["id"])):
        admin = fake.user(1006, "Admin", "de")
        fake.bot_added_to(other, by=admin)
        fake.bot_added_to(staff, by=admin)
        fake.group_message(another, admin, "hallo bot")
        fake.group_message(staff, admin, "Guten Morgen")
        await fake.wait_for(lambda: len(fake.calls_to("leaveChat")) == 2)
        await asyncio.sleep(0.3)
    assert fake.left_chats == {other["id"], another["id"]}
    # Group messages are not answered; the staff group gets only its morning agenda.
    assert [m["text"].split("\n")[0] for m in fake.messages_to(staff["id"])] == ["📋 Termine am Di., 24. November"]
    assert fake.messages_to(other["id"]) == fake.messages_to(another["id"]) == []


async def test_a_duplicate_update_is_handled_once(fake, tmp_path: Path, clock):
    db = tmp_path / "db.sqlite3"
    async with running_bot(fake, db, clock):
        user = fake.user(1007, "Mina", "en")
        await agreed(fake, user)
        update = user.says("where is the office")
        await fake.wait_for_messages(user.chat_id, 1)
    # The bot restarts; Telegram hands out the same update again (offset not confirmed before the stop).
    async with running_bot(fake, db, clock):
        fake.redeliver(update)
        await fake.wait_for(lambda: fake.pending_updates() == 0 and len(fake.calls_to("getUpdates")) > 3)
        await asyncio.sleep(0.5)
    assert len(fake.messages_to(user.chat_id)) == 1


async def test_long_replies_are_split_cleanly_and_html_is_escaped(fake, tmp_path: Path, clock):
    from bot.models import Button, Reply

    async with running_bot(fake, tmp_path / "db.sqlite3", clock) as running:
        user = fake.user(1008, "Test", "ar")
        await agreed(fake, user)
        paragraph = "سطر <b>غريب</b> & 09:00–12:00 " * 20
        text = "\n\n".join(f"{i}. {paragraph}" for i in range(30))
        reply = Reply(bidi.for_language(text, "ar"), "ar", ((Button("🏠", "menu"),),))
        await running.channel.messenger.send(str(user.chat_id), [reply])
    messages = fake.messages_to(user.chat_id)
    assert len(messages) > 2
    assert all(len(m["text"].encode("utf-16-le")) // 2 <= 4096 for m in messages)
    assert all(m["text"].startswith(bidi.RLM) for m in messages)
    assert [("reply_markup" in m) for m in messages] == [False] * (len(messages) - 1) + [True]
    # Escaped, so the user's "<b>" arrives as text, and no paragraph was cut in the middle.
    joined = "\n\n".join(m["text"] for m in messages)
    assert bidi.strip_isolates(joined) == bidi.strip_isolates(reply.text)


async def test_api_base_may_carry_a_path_for_a_self_hosted_server(fake, tmp_path: Path, clock):
    fake_base = fake.base_url
    fake.base_url = fake_base + "/selfhosted/api"
    try:
        async with running_bot(fake, tmp_path / "db.sqlite3", clock):
            user = fake.user(1009, "Sam", "en")
            await agreed(fake, user)
            user.says("hello")
            await fake.wait_for_messages(user.chat_id, 1)
    finally:
        fake.base_url = fake_base
    assert {c.prefix for c in fake.calls} == {"selfhosted/api/"}


async def test_a_press_too_old_to_answer_is_still_handled(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):
        user = fake.user(1010, "Late", "en")
        await agreed(fake, user)
        user.says("/menu")
        [menu] = await fake.wait_for_messages(user.chat_id, 1)
        fake.fail("answerCallbackQuery", 400)
        user.presses(menu, "langs")
        await fake.wait_for(lambda: fake.calls_to("editMessageText"))
    assert "lang:ar" in buttons(fake.last_message_to(user.chat_id))

"""The channel-neutral conversation, through the real engine, store, content and catalogs."""

from conftest import agree, with_decision

from bot.bidi import strip_isolates
from bot.bootstrap import wire
from bot.models import Incoming

CH = "test"


def text(user: str, message: str, hint: str | None = None) -> Incoming:
    return Incoming(CH, user, "text", text=message, lang_hint=hint)


def press(user: str, action: str) -> Incoming:
    return Incoming(CH, user, "action", action=action)


def actions(reply) -> list[str]:
    return [b.action for row in reply.buttons for b in row]


async def test_arabic_question_is_answered_in_arabic(engine):
    await agree(engine, "1")
    [reply] = await engine.handle(text("1", "متى يفتح المكتب؟"))
    assert reply.lang == "ar"
    assert "مفتوح" in reply.text  # Tuesday 10:30: open
    assert "langs.new" in actions(reply)  # the language menu is always one tap away


async def test_latin_letter_arabic_is_answered_in_arabic_script(engine):
    await agree(engine, "2")
    [reply] = await engine.handle(text("2", "wen el maktab?", hint="de"))
    assert reply.lang == "ar"
    assert "Brackeler Hellweg 146" in reply.text


async def test_learner_german_gets_the_opening_hours(engine):
    await agree(engine, "3")
    [reply] = await engine.handle(text("3", "wann büro offen"))
    assert reply.lang == "de"
    assert "Jetzt offen" in strip_isolates(reply.text)


async def test_emergency_gets_the_numbers_at_once_in_the_users_language(engine):
    for user, message, lang in [
        ("e1", "Mein Mann schlägt mich, ich habe Angst", "de"),
        ("e2", "زوجي يضربني وأنا خائفة", "ar"),
        ("e3", "I want to kill myself", "en"),
    ]:
        # First contact: the answer is the first reply, whatever was agreed to.
        [reply] = await engine.handle(text(user, message))
        plain = strip_isolates(reply.text)
        assert reply.lang == lang
        assert "112" in plain and "110" in plain and "0800 111 0 111" in plain, message


async def test_a_question_that_is_not_ours_says_so_records_it_and_offers_a_person(engine, store):
    await agree(engine, "4")
    [reply] = await engine.handle(text("4", "Wann wird mein Asylverfahren entschieden?"))
    assert "nur Fragen zu den Büros" in reply.text and "112" in reply.text
    assert "staff" in actions(reply) and "menu.new" in actions(reply)
    [row] = await store.list_unresolved()
    assert row.text == "Wann wird mein Asylverfahren entschieden?" and row.language == "de"
    assert row.reason == "out_of_scope"


async def test_unsure_between_topics_offers_them_and_a_choice_answers_and_is_noted(engine, store, clock):
    await agree(engine, "4b")
    [reply] = await engine.handle(text("4b", "ich brauche hilfe"))
    assert "nicht sicher" in reply.text
    offered = [a.removeprefix("dym:") for a in actions(reply) if a.startswith("dym:")]
    assert 2 <= len(offered) <= 3 and set(offered) <= set(engine.content.faq_ids)
    assert "staff" in actions(reply) and "menu.new" in actions(reply)  # a person is always a choice
    labels = [b.label for row in reply.buttons for b in row if b.action.startswith("dym:")]
    assert all(label[0] not in "abcdefghijklmnopqrstuvwxyz" for label in labels)  # icon and title, not an id
    [answer] = await engine.handle(press("4b", f"dym:{offered[0]}"))
    assert "nicht sicher" not in answer.text
    [row] = await store.list_unresolved()
    assert row.chosen_faq == offered[0] and row.learned_faq is None  # a hint for staff, nothing learned
    [forged] = await engine.handle(press("4b", "dym:no_such_topic"))
    assert "no longer works" in forged.text or "funktioniert nicht mehr" in forged.text


async def test_two_questions_in_one_message_get_two_answers(engine):
    await agree(engine, "4c")
    replies = await engine.handle(text("4c", "Wo ist das Büro? Und wie ist eure Telefonnummer?"))
    assert len(replies) == 2
    assert "Brackeler Hellweg" in strip_isolates(replies[0].text)
    assert any(ch.isdigit() for ch in replies[1].text) and "@" in replies[1].text


async def test_an_emergency_word_wins_over_the_classifier(engine):
    # Arabizi, Levantine: "I'm very tired and I think of killing myself" (the classifier alone is unsure).
    [reply] = await engine.handle(text("4d", "ana ta3ban kteer w bfakker enni a2tol 7ali"))
    plain = strip_isolates(reply.text)
    assert "112" in plain and "0800 111 0 111" in plain


async def test_a_net_alarm_gives_the_numbers_first_and_still_answers_the_question(
    store, content, matcher, translators, clock
):
    # A semantic-net margin every message reaches: each message of three words or more is a "similar" alarm.
    loose = with_decision(matcher, emergency_margin=-1.0)
    engine = wire(store, content, translators, clock, loose).engine
    await agree(engine, "4f")
    alarm, answer = await engine.handle(text("4f", "wann ist das büro offen?"))
    assert "112" in strip_isolates(alarm.text) and "0800 111 0 111" in strip_isolates(alarm.text)
    assert "Jetzt offen" in strip_isolates(answer.text)  # a false alarm does not cost the answer
    # A word of the emergency lexicon: the numbers alone, nothing that could distract from them.
    [reply] = await engine.handle(text("4f", "Ich will nicht mehr leben, wann ist das büro offen?"))
    assert "0800 111 0 111" in strip_isolates(reply.text) and "Jetzt offen" not in strip_isolates(reply.text)


async def test_one_ambiguous_latin_letter_message_does_not_switch_the_language(engine):
    await agree(engine, "4e")
    [first] = await engine.handle(text("4e", "ساعت کاری دفتر چیه؟"))
    assert first.lang == "fa"
    for word in ("merci", "ok", "salam"):
        [reply] = await engine.handle(text("4e", word))
        assert reply.lang == "fa", word
    [finglish] = await engine.handle(text("4e", "daftar kojast"))
    assert finglish.lang == "fa" and "Brackeler Hellweg" in strip_isolates(finglish.text)


async def test_asking_a_person_opens_a_ticket_with_the_question(engine, store):
    await agree(engine, "5")
    await engine.handle(text("5", "what is the weather tomorrow"))
    [reply] = await engine.handle(press("5", "staff"))
    assert "goes to a person from the team" in reply.text and "today" in reply.text  # Tuesday 10:30: open
    assert "bot" in actions(reply)  # the way back to the bot's answers
    person = await store.get_person(CH, "5")
    assert person.staff_mode
    ticket = await store.open_ticket_of(person.id)
    [card] = await store.relay_rows(ticket.id)
    assert card.direction == "in" and "what is the weather tomorrow" in (card.text or "")


async def test_chosen_language_sticks_even_when_writing_in_another(engine):
    await agree(engine, "6")
    await engine.handle(text("6", "hello"))
    [reply] = await engine.handle(press("6", "lang:ti"))
    assert reply.lang == "ti" and reply.replace
    [reply] = await engine.handle(text("6", "where is the office"))
    assert reply.lang == "ti"


async def test_detected_language_follows_the_writing(engine):
    await agree(engine, "7")
    await engine.handle(text("7", "hello"))
    [reply] = await engine.handle(text("7", "دفتر کجاست؟"))
    assert reply.lang == "fa"


async def test_start_with_office_payload_sets_the_office(engine, store):
    [welcome] = await engine.handle(Incoming(CH, "8", "command", action="start", text="aplerbeck", lang_hint="en"))
    assert welcome.text.startswith("🌐 Sprache · Language · اللغة · زبان · ቋንቋ")  # findable in any of the five scripts
    assert [a for a in actions(welcome) if a.startswith("lang:")] == [
        f"lang:{x}" for x in ("de", "en", "ar", "fa", "ti")
    ]
    assert "lokal willkommen Aplerbeck" in welcome.text and "hours" in actions(welcome)
    person = await store.get_person(CH, "8")
    assert person.office_id == "aplerbeck" and person.language == "en"


async def test_main_menu_has_every_topic(engine):
    await agree(engine, "9")
    [reply] = await engine.handle(Incoming(CH, "9", "command", action="menu", lang_hint="de"))
    assert {"hours", "where", "appts", "events", "offers", "ask", "langs"} <= set(actions(reply))


async def test_no_events_planned_is_said_plainly(engine):
    await agree(engine, "10", hint="en")
    await engine.handle(Incoming(CH, "10", "command", action="menu", lang_hint="en"))
    [events] = await engine.handle(press("10", "events"))
    assert "no events planned" in events.text


async def test_office_choice_narrows_the_answer_to_that_office(engine):
    await agree(engine, "11", hint="en")
    await engine.handle(Incoming(CH, "11", "command", action="menu", lang_hint="en"))
    [everyone] = await engine.handle(press("11", "where"))
    assert everyone.text.count("🏢") == 4 and "offices.new" in actions(everyone)
    await engine.handle(press("11", "office:hoerde_hombruch"))
    [mine] = await engine.handle(press("11", "where"))
    assert mine.text.count("🏢") == 1 and "Schildplatz 7" in mine.text


async def test_sample_values_are_marked_as_such(engine):
    await agree(engine, "12", hint="en")
    await engine.handle(Incoming(CH, "12", "command", action="start", text="brackel", lang_hint="en"))
    [reply] = await engine.handle(press("12", "contact"))
    assert "+49 231 0000 001 (to be confirmed)" in reply.text


async def test_greeting_gets_welcome_not_unsure(engine, store):
    await agree(engine, "13")
    [reply] = await engine.handle(text("13", "salam"))
    assert "hours" in actions(reply)
    assert await store.list_unresolved() == []


async def test_unknown_button_and_command_get_a_friendly_answer(engine):
    await agree(engine, "14")
    [reply] = await engine.handle(press("14", "forged:xyz"))
    assert "hours" in actions(reply)
    [reply] = await engine.handle(Incoming(CH, "14", "command", action="nonsense"))
    assert "/menu" in reply.text


async def test_unsupported_message_gets_an_answer(engine):
    [reply] = await engine.handle(Incoming(CH, "15", "unsupported", text="sticker", lang_hint="ar"))
    assert reply.lang == "ar" and reply.text.strip()


async def test_every_reply_exists_in_every_language(engine):
    for i, lang in enumerate(("de", "en", "ar", "fa", "ti")):
        user = f"all{i}"
        await engine.handle(Incoming(CH, user, "command", action="start", lang_hint=lang))
        for action in ("menu", "hours", "where", "contact", "offers", "appts", "events", "ask", "staff", "offices"):
            [reply] = await engine.handle(press(user, action))
            assert reply.lang == lang and reply.text.strip(), (lang, action)


async def test_menus_edit_in_place_but_buttons_under_answers_open_a_new_message(engine):
    await agree(engine, "16")
    await engine.handle(Incoming(CH, "16", "command", action="menu", lang_hint="en"))
    [languages] = await engine.handle(press("16", "langs"))  # pressed in the menu: the menu turns into it
    assert languages.replace
    [answer] = await engine.handle(press("16", "hours"))  # an answer is a message of its own
    assert not answer.replace
    [menu] = await engine.handle(press("16", "menu.new"))  # "Menu" under the answer keeps the answer
    assert not menu.replace and "hours" in actions(menu)

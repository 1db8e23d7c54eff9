"""Arabic and Persian replies keep times, phone numbers and addresses readable."""

from conftest import agree, berlin

from bot import bidi
from bot.models import Incoming

FSI, PDI, RLM = bidi.FSI, bidi.PDI, bidi.RLM


def test_ltr_fragments_are_isolated_in_rtl_text():
    text = bidi.for_language("المكتب مفتوح 09:00–12:00 هاتف +49 231 5011148", "ar")
    assert text.startswith(RLM)
    assert f"{FSI}09:00–12:00{PDI}" in text
    assert f"{FSI}+49 231 5011148{PDI}" in text


def test_addresses_and_email_stay_one_piece():
    text = bidi.for_language("العنوان: Brackeler Hellweg 146, 44309 Dortmund\nبريد: a.b@stadtdo.de", "ar")
    assert f"{FSI}Brackeler Hellweg 146, 44309 Dortmund{PDI}" in text
    assert f"{FSI}a.b@stadtdo.de{PDI}" in text
    assert all(line.startswith(RLM) for line in text.split("\n"))


def test_a_line_starting_with_a_number_still_reads_right_to_left():
    text = bidi.for_language("112 للإسعاف", "fa")
    assert text.startswith(RLM + FSI + "112" + PDI)


def test_left_to_right_languages_are_untouched():
    assert bidi.for_language("Open 09:00–12:00", "de") == "Open 09:00–12:00"
    assert bidi.for_language("ክፉት 09:00", "ti") == "ክፉት 09:00"


def test_preparing_twice_does_not_nest_isolates():
    once = bidi.for_language("الساعة 09:00", "ar")
    assert bidi.isolate_ltr_runs(once) == once


async def test_arabic_opening_hours_answer_isolates_times_and_is_rtl(engine, clock):
    clock.set(berlin(2026, 11, 24, 10, 30))
    await agree(engine, "1", hint="ar")
    await engine.handle(Incoming("test", "1", "action", action="office:brackel"))
    [reply] = await engine.handle(Incoming("test", "1", "action", action="hours"))
    assert reply.lang == "ar"
    assert all(line.startswith(RLM) for line in reply.text.split("\n") if line.strip())
    assert f"{FSI}12:00{PDI}" in reply.text  # "open until 12:00"
    assert f"{FSI}09:00–12:00, 14:00–16:00{PDI}" in reply.text  # Tuesday's ranges in one piece


async def test_persian_contact_answer_isolates_phone_and_email(engine):
    await agree(engine, "2", hint="fa")
    await engine.handle(Incoming("test", "2", "action", action="office:huckarde_mengede"))
    [reply] = await engine.handle(Incoming("test", "2", "action", action="contact"))
    assert f"{FSI}+49 231 5011148{PDI}" in reply.text
    assert f"{FSI}lokalwillkommen.mh@stadtdo.de{PDI}" in reply.text

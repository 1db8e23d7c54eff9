"""Opening hours computed from the content, in Europe/Berlin time, with NRW holidays and closures."""

from datetime import UTC

from conftest import berlin

from bot import answers, hours
from bot.bidi import strip_isolates


def test_open_now_until_the_end_of_the_current_range(content):
    brackel = content.offices["brackel"]  # Tue 09:00-12:00 and 14:00-16:00 (sample hours)
    state = hours.status(content, brackel, berlin(2026, 11, 24, 10, 30))
    assert state.is_open and state.closes_at == berlin(2026, 11, 24, 12, 0)


def test_closed_at_lunch_opens_again_in_the_afternoon(content):
    state = hours.status(content, content.offices["brackel"], berlin(2026, 11, 24, 12, 30))
    assert not state.is_open and state.next_opening == berlin(2026, 11, 24, 14, 0)


def test_the_clock_may_be_in_utc(content):
    # 08:30 UTC in November is 09:30 in Berlin: open.
    moment = berlin(2026, 11, 24, 9, 30).astimezone(UTC)
    assert hours.status(content, content.offices["brackel"], moment).is_open


def test_weekend_points_to_monday(content):
    state = hours.status(content, content.offices["brackel"], berlin(2026, 11, 28, 11, 0))  # Saturday
    assert not state.is_open and state.next_opening == berlin(2026, 11, 30, 9, 0)


def test_public_holiday_of_nrw_is_closed(content):
    # Corpus Christi (Fronleichnam), 4 June 2026, a Thursday: a holiday in NRW, not in all of Germany.
    state = hours.status(content, content.offices["brackel"], berlin(2026, 6, 4, 10, 0), "de")
    assert not state.is_open
    assert state.today_closed is not None and state.today_closed.holiday == "Fronleichnam"
    assert state.next_opening == berlin(2026, 6, 5, 9, 0)


def test_all_saints_day_is_a_holiday_in_nrw(content):
    # 1 November 2027 is a Monday.
    state = hours.status(content, content.offices["brackel"], berlin(2027, 11, 1, 10, 0), "en")
    assert state.today_closed is not None and state.today_closed.holiday == "All Saints' Day"


def test_closure_from_the_content_is_honoured(content):
    # Closed 24 Dec - 1 Jan; 2/3 Jan 2027 are a weekend: next opening Monday 4 January.
    state = hours.status(content, content.offices["brackel"], berlin(2026, 12, 28, 10, 0))
    assert not state.is_open and state.today_closed is not None and state.today_closed.closure is not None
    assert state.next_opening == berlin(2027, 1, 4, 9, 0)


def test_summer_time_is_respected(content):
    # 10:30 Berlin summer time is 08:30 UTC.
    state = hours.status(content, content.offices["brackel"], berlin(2026, 7, 7, 10, 30).astimezone(UTC))
    assert state.is_open and state.closes_at.utcoffset().total_seconds() == 7200


def test_answer_says_open_now_until(content, translators):
    text = answers.status_line(content, content.offices["brackel"], translators["en"], berlin(2026, 11, 24, 10, 30))
    assert strip_isolates(text) == "🟢 Open now, until 12:00."


def test_answer_names_the_next_opening_day_in_the_users_language(content, translators):
    saturday = berlin(2026, 11, 28, 11, 0)
    en = answers.status_line(content, content.offices["brackel"], translators["en"], saturday)
    de = answers.status_line(content, content.offices["brackel"], translators["de"], saturday)
    assert en == "🔴 Closed now. Next opening: Monday 09:00."
    assert "Montag" in de and "09:00" in de


def test_answer_on_a_holiday_names_it(content, translators):
    text = answers.status_line(content, content.offices["brackel"], translators["de"], berlin(2026, 6, 4, 10, 0))
    assert "Fronleichnam" in text and "morgen" in text  # closed for the holiday, open again tomorrow

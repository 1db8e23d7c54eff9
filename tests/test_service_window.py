"""content/whatsapp_templates.yaml: validated at start, and which template stands in for what, in which
language (the decisions themselves are tested end to end in test_whatsapp_window.py)."""

from pathlib import Path

import pytest

from bot.config import bundled_content_dir
from bot.content import ContentError
from bot.service_window import Templates, one_line


def test_the_bundled_templates_cover_every_purpose_in_four_languages_and_english_for_tigrinya():
    templates = Templates.load(bundled_content_dir())
    assert set(templates.by_purpose) == {"reminder", "waiting_list", "announcement", "team_answered"}
    for template in templates.by_purpose.values():
        assert set(template.bodies) == {"de", "en", "ar", "fa"}
    reminder = templates.choose("reminder", "ti", ("Do., 26.11.", "09:00", "lokal willkommen Brackel"))
    assert reminder is not None and (reminder.name, reminder.language) == ("appointment_reminder", "en")
    assert templates.choose("reminder", "ar", ("a", "b")) is None  # wrong number of values: never sent


def test_a_wrong_templates_file_stops_the_start_with_every_problem(tmp_path: Path):
    (tmp_path / "whatsapp_templates.yaml").write_text(
        "fallback: en\n"
        "templates:\n"
        "  reminder: {name: Appointment-Reminder, params: [day], bodies: {de: 'Termin {{1}} um {{2}}'}}\n"
        "  birthday: {name: birthday, bodies: {de: 'Alles Gute'}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as caught:
        Templates.load(tmp_path)
    text = str(caught.value)
    assert "whatsapp_templates.yaml: templates.reminder.name" in text
    assert "must use {{1}}..{{1}}, found [1, 2]" in text
    assert "templates.birthday" in text


def test_no_file_means_no_templates_and_parameters_are_single_lines(tmp_path: Path):
    assert Templates.load(tmp_path).choose("team_answered", "de") is None
    assert one_line("Am Samstag zu.\n\nBis   Montag!\tTschüss") == "Am Samstag zu. · Bis Montag! Tschüss"
    assert len(one_line("x" * 2000)) == 1024

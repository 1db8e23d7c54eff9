"""Every UI string and every content text exists in all five languages, and drafts stay marked as drafts."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from babel import Locale
from conftest import ROOT, child_env

from bot.i18n import bundled_locales_dir, compile_catalog, read_catalog
from bot.languages import LANGUAGES

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@pytest.mark.parametrize("lang", ["de", "ar", "fa", "ti"])
def test_plural_forms_header_agrees_with_cldr(lang):
    # pybabel init writes doubtful headers for ar, fa, ti: ours are set by hand and checked here.
    translations = compile_catalog(read_catalog(bundled_locales_dir(), lang))
    rule = Locale.parse(lang).plural_form
    categories = sorted({rule(n) for n in range(0, 300)}, key=["zero", "one", "two", "few", "many", "other"].index)
    for n in range(0, 300):
        index = translations.plural(n)  # the index gettext will use for n
        assert categories[index] == rule(n), (lang, n)


@pytest.mark.parametrize("lang", ["de", "ar", "fa", "ti"])
def test_every_message_is_translated_with_the_same_placeholders(lang):
    catalog = read_catalog(bundled_locales_dir(), lang)
    for message in catalog:
        if not message.id:
            continue
        assert message.string and not message.fuzzy, message.id
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(message.id)), message.id


def test_catalogs_hold_every_message_of_the_code(tmp_path: Path):
    # Extract afresh from the code: a string added without `pybabel update` would be shown in English.
    from babel.messages.pofile import read_po

    template = tmp_path / "messages.pot"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "gettext",
            "-k",
            "ngettext:1,2",
            "--no-location",
            "-o",
            str(template),
            ".",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    with template.open("rb") as handle:
        in_code = {m.id for m in read_po(handle) if m.id}
    assert len(in_code) > 200  # the extraction really found the code's messages
    for lang in ("de", "ar", "fa", "ti"):
        in_catalog = {m.id for m in read_catalog(bundled_locales_dir(), lang) if m.id}
        assert in_code <= in_catalog, (lang, in_code - in_catalog)


def test_machine_drafts_are_marked_as_drafts():
    for lang in ("de", "ar", "fa", "ti"):
        catalog = read_catalog(bundled_locales_dir(), lang)
        assert all("draft" in m.flags for m in catalog if m.id), lang
    for lang in LANGUAGES:
        data = yaml.safe_load((ROOT / "content" / "texts" / f"{lang}.yaml").read_text(encoding="utf-8"))
        assert data["review"]["status"] == "draft" and data["review"]["reviewed_by"] is None


def run_translations(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", "translations"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(**env),
        timeout=120,
    )


def test_translations_command_passes_on_the_sample_content():
    result = run_translations({})
    assert result.returncode == 0, result.stdout
    for lang in LANGUAGES:
        assert re.search(rf"^{lang}: 0 missing, \d+ not reviewed by a native speaker$", result.stdout, re.M)


def test_translations_command_fails_and_names_what_is_missing(tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    path = content / "texts" / "ti.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["faq"]["housing"]
    del data["offers"][next(iter(data["offers"]))]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run_translations({"WILLKOMMEN_CONTENT": str(content)})
    assert result.returncode == 1
    assert "ti: 2 missing" in result.stdout and "missing: content: faq.housing" in result.stdout


def test_missing_language_falls_back_to_german_with_a_note(content, translators):
    from dataclasses import replace

    from conftest import berlin

    from bot.answers import faq_answer

    texts = dict(content.texts)
    ti = texts["ti"]
    texts["ti"] = ti.model_copy(update={"faq": {k: v for k, v in ti.faq.items() if k != "costs"}})
    partial = replace(content, texts=texts)
    text = faq_answer(partial, "costs", translators["ti"], None, berlin(2026, 11, 24, 10, 0))
    assert content.texts["de"].faq["costs"].answer.strip() in text
    assert translators["ti"].gettext("This answer is only available in German so far.") in text

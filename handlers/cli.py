"""The `willkommen` command: the entry point that picks a channel or a tool.

willkommen                 the main job: Telegram when TELEGRAM_BOT_TOKEN is set, else the console chat
willkommen chat [--lang ar]
willkommen faq-eval FILE [--mistakes]
willkommen translations
willkommen report [--month 2026-10] [--office brackel] [--out DIR]
willkommen content export [--out DIR]
willkommen content check
"""

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.content import ContentError, load_content
from bot.languages import LANGUAGES
from bot.records import LearnedExample


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


async def _chat(settings: Settings, lang: str | None) -> None:
    from bot.bootstrap import build_app
    from handlers.console import run_console

    app = await build_app(settings)
    try:
        await run_console(app.engine, lang=lang)
    finally:
        await app.close()


def cmd_chat(args: argparse.Namespace) -> int:
    settings = _settings()
    try:
        asyncio.run(_chat(settings, args.lang))
    except ContentError as exc:
        print(f"{exc} (WILLKOMMEN_CONTENT={settings.content_path})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    if not settings.telegram_token and not settings.whatsapp_enabled:
        print(
            "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather (see README)."
            " For WhatsApp set WHATSAPP_PHONE_ID, WHATSAPP_TOKEN, WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN."
            " To talk to the bot without either, run `willkommen chat`.",
            file=sys.stderr,
        )
        return 2
    from handlers.run import WHATSAPP_ONLY, run
    from handlers.telegram.startup import StartupError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not settings.telegram_token:
        print(WHATSAPP_ONLY, file=sys.stderr)
    try:
        asyncio.run(run(settings))
    except ContentError as exc:
        print(f"{exc} (WILLKOMMEN_CONTENT={settings.content_path})", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    return 0


def cmd_main(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.telegram_token or settings.whatsapp_enabled:
        return cmd_run(args)
    args.lang = None
    return cmd_chat(args)


async def _learned(settings: Settings) -> list[LearnedExample]:
    """Learned examples from the bot's database."""
    from bot.bootstrap import learned_examples

    return await learned_examples(settings)


def cmd_faq_eval(args: argparse.Namespace) -> int:
    from bot.faq_eval import EvalFileError, evaluate, read_items
    from bot.learning import as_examples
    from bot.matcher import Matcher

    settings = _settings()
    try:
        content = load_content(settings.content_path)
        items = read_items(Path(args.file), content.faq_ids)
    except (ContentError, EvalFileError) as exc:
        print(exc, file=sys.stderr)
        return 2
    base = Matcher.from_content(content)
    print(f"semantic model: {base.semantic_status}")
    learned = asyncio.run(_learned(settings)) if Path(settings.db_path).exists() else []
    without = evaluate(base, items)
    result = evaluate(base.with_examples(as_examples(learned)), items) if learned else without
    if learned:
        print(f"without the {len(learned)} learned examples:")
        print(without.table())
        print()
        print(f"with the {len(learned)} learned examples (as the bot answers now):")
    print(result.table())
    if args.mistakes:
        print()
        for o in result.mistakes():
            u = o.understood
            shown = "emergency:" + u.emergency if u.emergency else ",".join(u.answers) or "-"
            print(
                f"[{o.item.lang}] expect={o.item.expect}{'+' + ','.join(o.item.also) if o.item.also else ''}"
                f" got={shown} choices={','.join(u.choices) or '-'} ({u.reason}): {o.item.text}"
            )
    summary = result.summary()
    if learned:
        before = without.summary()
        summary |= {
            "learned": len(learned),
            "accuracy_without_learned": before["accuracy"],
            "wrong_rate_without_learned": before["wrong_rate"],
        }
    print(json.dumps(summary))
    return 0


def cmd_content_export(args: argparse.Namespace) -> int:
    from bot.learning import export

    settings = _settings()
    exported = export(asyncio.run(_learned(settings)) if Path(settings.db_path).exists() else [])
    if not exported:
        print("No learned examples yet.", file=sys.stderr)
        return 0
    for lang, text in exported.items():
        header = f"# learned examples for content/texts/{lang}.yaml: add each under its faq id's examples\n"
        if args.out:
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            (out / f"learned-{lang}.yaml").write_text(header + text, encoding="utf-8")
            print(f"written: {out / f'learned-{lang}.yaml'}")
        else:
            print(header + text)
    return 0


def _model_status() -> str:
    """Whether the configured embedder loads: the matcher falls back to lexical only (less accurate) if not."""
    from bot.embedder import EmbedderError, embedder_from_config

    try:
        embedder = embedder_from_config()
        load = getattr(embedder, "load", None)
        if load is not None:
            load()
    except EmbedderError as exc:
        return f"FAILED: {exc}: answering with the lexical matcher only (less accurate)"
    return f"ok: {embedder.model_id}"


def cmd_content_check(args: argparse.Namespace) -> int:
    """Validate the content (exit 2 with every problem) and list every fact that is not confirmed (exit 0)."""
    from bot.facts import unconfirmed_facts

    settings = _settings()
    try:
        content = load_content(settings.content_path)
    except ContentError as exc:
        print(f"{exc} (WILLKOMMEN_CONTENT={settings.content_path})", file=sys.stderr)
        return 2
    facts = unconfirmed_facts(content)
    print(f"content in {settings.content_path}: valid")
    print(f"semantic model: {_model_status()}")
    if not facts:
        print("every fact of offices, offers and events names its source.")
        return 0
    print(f'{len(facts)} facts are not confirmed; people see them marked "(to be confirmed)" in their language:')
    for fact in facts:
        print(f"  {fact.line()}")
    print("Confirm them with the office, then remove them from `unconfirmed:` and name the `source:`.")
    return 0


def cmd_translations(args: argparse.Namespace) -> int:
    from bot.i18n import bundled_locales_dir
    from bot.translations import report

    settings = _settings()
    try:
        content = load_content(settings.content_path)
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 2
    statuses = report(content, Path(args.locales) if args.locales else bundled_locales_dir())
    missing_total = 0
    for status in statuses:
        missing_total += len(status.missing)
        print(
            f"{status.lang}: {len(status.missing)} missing, {len(status.unreviewed)} not reviewed by a native speaker"
        )
        for line in status.missing:
            print(f"  missing: {line}")
        if args.verbose:
            for line in status.unreviewed:
                print(f"  draft:   {line}")
    return 1 if missing_total else 0


async def _report(settings: Settings, month: str, office: str | None):
    from bot.bootstrap import build_app

    app = await build_app(settings)
    try:
        return await app.staff.report(month, office)
    finally:
        await app.close()


def cmd_report(args: argparse.Namespace) -> int:
    from datetime import date

    from bot.figures import parse_month
    from bot.report import default_month

    settings = _settings()
    month = parse_month(args.month) if args.month else default_month(date.today(), complete=True)
    if month is None:
        print(f"--month: write the month like 2026-10, not {args.month!r}", file=sys.stderr)
        return 2
    try:
        content = load_content(settings.content_path)
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.office and args.office not in content.offices:
        print(f"--office: one of {', '.join(content.offices)}", file=sys.stderr)
        return 2
    report = asyncio.run(_report(settings, month, args.office))
    print(report.table())
    print()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for attachment in report.files():
        path = out / attachment.filename
        path.write_bytes(attachment.data)
        print(f"written: {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="willkommen", description="The lokal willkommen bot.")
    root.set_defaults(func=cmd_main)
    sub = root.add_subparsers(title="commands")
    run = sub.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    run.set_defaults(func=cmd_run)
    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--lang", choices=LANGUAGES, help="start in this language")
    chat.set_defaults(func=cmd_chat)
    faq_eval = sub.add_parser("faq-eval", help="measure FAQ answering on a JSON-lines file")
    faq_eval.add_argument("file")
    faq_eval.add_argument("--mistakes", action="store_true", help="list every item that was not right")
    faq_eval.set_defaults(func=cmd_faq_eval)
    translations = sub.add_parser("translations", help="what is missing or unreviewed per language")
    translations.add_argument("--verbose", "-v", action="store_true", help="also list every draft")
    translations.add_argument("--locales", help=argparse.SUPPRESS)
    translations.set_defaults(func=cmd_translations)
    content_cmd = sub.add_parser("content", help="content tools")
    content_sub = content_cmd.add_subparsers(title="content commands", required=True)
    export = content_sub.add_parser("export", help="learned FAQ examples as YAML per language")
    export.add_argument("--out", help="a folder for learned-<lang>.yaml (default: print)")
    export.set_defaults(func=cmd_content_export)
    check = content_sub.add_parser("check", help="validate the content and list every unconfirmed fact")
    check.set_defaults(func=cmd_content_check)
    report = sub.add_parser("report", help="a month's figures: summary table, CSV and PNG charts")
    report.add_argument("--month", help="YYYY-MM (default: the last complete month)")
    report.add_argument("--office", help="one office's figures only")
    report.add_argument("--out", default=".", help="where to write the CSV and the charts (default: here)")
    report.set_defaults(func=cmd_report)
    return root


def main(argv: list[str] | None = None) -> int:
    from bot.ports import StoreUnusable

    args = parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except StoreUnusable as exc:  # any command that opens the database (report, faq-eval ...)
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

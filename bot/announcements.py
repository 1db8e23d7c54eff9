"""Announcements: staff write them once (German first, then the translations they have), choose an
audience, see a preview and how many people it reaches, then a stored job sends it to everyone who agreed
to news, each in their language."""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from babel import Locale

from bot import audit, bidi
from bot.clock import Clock
from bot.content import Content
from bot.i18n import Translator
from bot.languages import LANGUAGES, NATIVE_NAMES
from bot.models import Actor, Button, Reply
from bot.ports import Store
from bot.records import Announcement, AnnouncementStatus, DraftKind, SendState
from bot.screens import menu_row

TRANSLATED = [lang for lang in LANGUAGES if lang != "de"]
STEPS = ("text_de", *[f"text_{lang}" for lang in TRANSLATED], "audience", "preview")


def audience_parts(audience: str) -> tuple[str, str | None]:
    kind, _, value = audience.partition(":")
    return kind, value or None


@dataclass
class Announcements:
    store: Store
    content: Content
    clock: Clock
    tr: Translator  # the staff's language
    translators: dict[str, Translator]
    wake: asyncio.Event = field(default_factory=asyncio.Event)  # set when an announcement is to be sent

    def message_for(self, texts: Mapping[str, str], lang: str) -> Reply:
        """What a person reads: the text in their language, else German with a note in theirs."""
        tr = self.translators[lang]
        text = texts.get(lang)
        if text is None:
            text = tr.gettext("(This news is only in German so far.)") + "\n\n" + texts["de"]
        return Reply(bidi.for_language("📰 " + text, lang), lang, menu_row(tr))

    def audience_label(self, audience: str) -> str:
        kind, value = audience_parts(audience)
        if kind == "office" and value in self.content.offices:
            return self.tr.gettext("people of {office}").format(office=self.content.offices[value].name)
        if kind == "language" and value:
            return self.tr.gettext("people who read {language}").format(
                language=Locale.parse(self.tr.lang).languages.get(value, value)
            )
        return self.tr.gettext("everyone")

    def progress(self, announcement: Announcement, rate: float, final: bool = False) -> Reply:
        tr = self.tr
        counts = announcement.counts
        sent = counts.get(SendState.SENT, 0)
        failed = counts.get(SendState.FAILED, 0) + counts.get(SendState.BLOCKED, 0)
        left = counts.get(SendState.PENDING, 0) + counts.get(SendState.SENDING, 0)
        seconds = int(left / rate) + 1 if left else 0
        head = "📣 " + tr.gettext("Announcement #{number} to {audience}").format(
            number=announcement.id, audience=self.audience_label(announcement.audience)
        )
        lines = [
            head,
            tr.gettext("Sent: {sent} · failed: {failed} · left: {left}").format(sent=sent, failed=failed, left=left),
        ]
        if announcement.status == AnnouncementStatus.STOPPED:
            lines.append("⏹ " + tr.gettext("Stopped. {left} people did not get it.").format(left=left))
        elif final or announcement.status == AnnouncementStatus.DONE:
            blocked = counts.get(SendState.BLOCKED, 0)
            lines.append(
                "✅ "
                + tr.gettext("Done. {blocked} people have blocked the bot and are now inactive.").format(
                    blocked=blocked
                )
            )
        else:
            lines.append("⏳ " + tr.gettext("About {seconds} seconds left.").format(seconds=seconds))
        rows = (
            ()
            if final or announcement.status != AnnouncementStatus.SENDING
            else ((Button("⏹ " + tr.gettext("Stop sending"), f"anstop:{announcement.id}"),),)
        )
        return Reply("\n".join(lines), tr.lang, rows)

    # -- the staff's guided flow --------------------------------------------------------------------------------

    def prompt(self, data: dict[str, Any]) -> Reply:
        tr = self.tr
        step = data["step"]
        if step == "text_de":
            return Reply(tr.gettext("New announcement. Please write the text in German."), tr.lang)
        if step.startswith("text_"):
            lang = step.removeprefix("text_")
            return Reply(
                tr.gettext("The text in {language}, or /skip (people then get the German text).").format(
                    language=NATIVE_NAMES[lang]
                ),
                tr.lang,
            )
        if step == "audience":
            rows = [(Button("👥 " + tr.gettext("Everyone"), "anf:aud:all"),)]
            rows += [(Button("🏢 " + o.name, f"anf:aud:office:{o.id}"),) for o in self.content.offices.values()]
            rows += [(Button("🗣 " + NATIVE_NAMES[lang], f"anf:aud:language:{lang}"),) for lang in LANGUAGES]
            rows.append((Button("✖️ " + tr.gettext("Discard"), "anf:drop"),))
            return Reply(tr.gettext("Who should get it?"), tr.lang, tuple(rows))
        return Reply("", tr.lang)

    async def _save(self, chat: int, user: int, data: dict[str, Any]) -> None:
        await self.store.save_draft(chat, user, DraftKind.ANNOUNCE, data, self.clock.now())

    async def start(self, chat: int, user: int) -> Reply:
        data = {"step": "text_de", "texts": {}}
        await self._save(chat, user, data)
        return self.prompt(data)

    async def answer(self, chat: int, user: int, data: dict[str, Any], text: str) -> Reply:
        step, value = data["step"], text.strip()
        if not step.startswith("text_"):
            return self.prompt(data)
        lang = step.removeprefix("text_")
        if value.lower() == "/skip" and lang != "de":
            data["texts"].pop(lang, None)
        elif value and not value.startswith("/"):
            data["texts"][lang] = value[:3500]
        else:
            return self.prompt(data)
        data["step"] = STEPS[STEPS.index(step) + 1]
        await self._save(chat, user, data)
        return self.prompt(data)

    async def press(
        self, chat: int, user: int, data: dict[str, Any], action: str, actor: Actor | None = None
    ) -> tuple[Reply, int | None]:
        tr = self.tr
        if action == "anf:drop":
            await self.store.drop_draft(chat, user)
            return Reply(tr.gettext("Discarded."), tr.lang), None
        if action.startswith("anf:aud:") and data["step"] in ("audience", "preview"):
            data["audience"] = action.removeprefix("anf:aud:")
            data["step"] = "preview"
            await self._save(chat, user, data)
            kind, value = audience_parts(data["audience"])
            count = len(await self.store.audience(kind, value))
            lines = ["👀 " + tr.gettext("Preview in every language:")]
            for lang in LANGUAGES:
                preview = self.message_for(data["texts"], lang)
                lines.append(f"\n[{lang}] " + bidi.strip_isolates(preview.text))
            lines.append(
                "\n"
                + tr.gettext("It reaches {count} people ({audience}) who agreed to get news.").format(
                    count=count, audience=self.audience_label(data["audience"])
                )
            )
            rows = (
                (
                    Button("📣 " + tr.gettext("Send to {count} people").format(count=count), "anf:go"),
                    Button("✖️ " + tr.gettext("Discard"), "anf:drop"),
                ),
            )
            return Reply("\n".join(lines), tr.lang, rows), None
        if action == "anf:go" and data["step"] == "preview":
            kind, value = audience_parts(data["audience"])
            now = self.clock.now()
            async with self.store.transaction():
                # The draft is taken in the same unit: a second tap (or a replayed update) finds it gone.
                if not await self.store.take_draft(chat, user, data):
                    return Reply(tr.gettext("Done already."), tr.lang), None
                people = await self.store.audience(kind, value)
                announcement_id = await self.store.create_announcement(data["audience"], people, data["texts"], now)
                await audit.record(self.store, now, actor, "announcement_sent", f"#{announcement_id}")
            self.wake.set()
            return Reply(
                tr.gettext("Sending announcement #{number} now.").format(number=announcement_id), tr.lang
            ), announcement_id
        return self.prompt(data), None

    async def stop(self, announcement_id: int, actor: Actor | None = None) -> bool:
        stopped = await self.store.finish_announcement(announcement_id, AnnouncementStatus.STOPPED, self.clock.now())
        if stopped:
            await audit.record(self.store, self.clock.now(), actor, "announcement_stopped", f"#{announcement_id}")
        return stopped

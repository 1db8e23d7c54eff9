"""Staff teach the FAQ: a question the bot could not answer becomes an example for a FAQ id.

Learned examples are stored and the bot's FAQ (bot/faq.py) knows them at once; at start-up they are
loaded again. `export` writes them in the content files' shape, so they can go back into content/texts.
"""

from dataclasses import dataclass

import yaml

from bot import audit
from bot.clock import Clock
from bot.content import Content
from bot.detect import detect
from bot.faq import Faq
from bot.i18n import Translator
from bot.models import Actor
from bot.normalize import is_id
from bot.ports import Store
from bot.records import LearnedExample, Question


def as_examples(rows: list[LearnedExample]) -> list[tuple[str, str, str | None]]:
    return [(row.faq_id, row.text, row.language) for row in rows]


@dataclass
class Learning:
    store: Store
    content: Content
    clock: Clock
    faq: Faq
    tr: Translator  # the staff's language

    async def load(self) -> int:
        learned = await self.store.learned_examples()
        await self.faq.teach(as_examples(learned))
        return len(learned)

    def _usage(self, text: str) -> str:
        return "\n".join((text, self.tr.gettext("FAQ ids: {ids}").format(ids=", ".join(self.content.faq_ids))))

    async def in_topic(self, chat: int, thread: int, args: str, actor: Actor | None = None) -> str:
        """/learn <faq_id> [question] in a person's topic: their question (or the one written) for that FAQ."""
        person = await self.store.person_by_topic(chat, thread)
        if person is None:
            return ""
        return await self.in_ticket(person.id, person.language, args, actor)

    async def in_ticket(self, person_id: int, person_language: str, args: str, actor: Actor | None = None) -> str:
        faq_id, _, text = args.strip().partition(" ")
        if faq_id not in self.content.faq_ids:
            return self._usage(self.tr.gettext("Please write: /learn <faq id> [question]"))
        if text.strip():
            return await self.learn(faq_id, [Question(text.strip(), detect(text).lang or person_language)], actor)
        question = await self.store.last_unresolved_question(person_id)
        if question is None:
            return self.tr.gettext(
                "This person has no question the bot could not answer. Write it yourself: /learn <faq id> <question>"
            )
        return await self.learn(faq_id, [question], actor)

    async def from_group(self, args: str, actor: Actor | None = None) -> str:
        """/learn <group number> <faq_id> in the general topic: every question of a digest group."""
        words = args.split()
        if len(words) != 2 or not is_id(words[0].lstrip("#")) or words[1] not in self.content.faq_ids:
            return self._usage(
                self.tr.gettext("Please write: /learn <group number from the digest> <faq id>, e.g. /learn 3 housing")
            )
        questions = await self.store.group_questions(int(words[0].lstrip("#")))
        if not questions:
            return self.tr.gettext("There is no group {number}.").format(number=words[0].lstrip("#"))
        return await self.learn(words[1], questions, actor)

    async def learn(self, faq_id: str, questions: list[Question], actor: Actor | None = None) -> str:
        now = self.clock.now()
        async with self.store.transaction():
            await self.store.learn(faq_id, questions, now)
            await audit.record(self.store, now, actor, "faq_learned", f"{faq_id} ({len(questions)})")
        await self.faq.teach(as_examples(await self.store.learned_examples()))
        answered = sum(self.faq.match(q.text, q.language).faq_id == faq_id for q in questions)
        return self.tr.gettext(
            "Learned: {count} question(s) are now examples for '{id}'. The bot now answers {answered} of them with it."
        ).format(count=len(questions), id=faq_id, answered=answered)


def export(rows: list[LearnedExample]) -> dict[str, str]:
    """Per language, YAML in the content files' shape (faq: <id>: examples: [...]), ready to merge by hand."""
    per_language: dict[str, dict[str, dict[str, list[str]]]] = {}
    for row in rows:
        faq = per_language.setdefault(row.language, {})
        faq.setdefault(row.faq_id, {"examples": []})["examples"].append(row.text)
    return {
        lang: yaml.safe_dump({"faq": faq}, allow_unicode=True, sort_keys=True, width=120)
        for lang, faq in sorted(per_language.items())
    }

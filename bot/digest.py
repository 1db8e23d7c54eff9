"""The weekly digest for the staff group: last week's questions the bot could not answer, grouped by
similarity, each group numbered so staff can teach the bot with `/learn <number> <faq id>`."""

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.clock import Clock
from bot.content import Content
from bot.i18n import Translator
from bot.matcher import features
from bot.models import Reply
from bot.ports import Store
from bot.records import OutboxKind

DIGEST_TIME = (8, 0)  # Monday morning, for the week before
SIMILAR = 0.35  # cosine of TF-IDF vectors from which two questions are "the same question"
LATEST = timedelta(hours=16)  # still sent when the bot was down on Monday morning, until Monday night
MAX_GROUPS = 25
EXAMPLES_SHOWN = 2


def group_similar(texts: list[str]) -> list[list[int]]:
    """Indices of `texts` in groups: single link, a question joins the group it is most similar to."""
    counted = [features(text) for text in texts]
    df: Counter[str] = Counter()
    for feats in counted:
        df.update(feats.keys())
    n = len(texts)
    vectors = []
    for feats in counted:
        vector = {
            k: (1.0 + math.log(v) if v >= 1 else v) * (math.log((n + 1) / (df[k] + 1)) + 1.0) for k, v in feats.items()
        }
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        vectors.append({k: w / norm for k, w in vector.items()})
    groups: list[list[int]] = []
    for index, vector in enumerate(vectors):
        best, best_sim = None, SIMILAR
        for group in groups:
            sim = max(sum(w * vectors[other].get(k, 0.0) for k, w in vector.items()) for other in group)
            if sim >= best_sim:
                best, best_sim = group, sim
        if best is None:
            groups.append([index])
        else:
            best.append(index)
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Digest:
    store: Store
    content: Content
    clock: Clock
    tr: Translator  # the staff's language

    def _monday(self) -> date:
        today = self.clock.now().astimezone(self.content.timezone).date()
        return today - timedelta(days=today.weekday())

    async def schedule(self) -> None:
        """Queue this week's digest (for the week before) for Monday morning, once."""
        monday = self._monday()
        due = datetime(monday.year, monday.month, monday.day, *DIGEST_TIME, tzinfo=self.content.timezone)
        if self.clock.now() - due > LATEST:
            return  # started after Monday: this week's digest is skipped, like a late morning agenda
        await self.store.enqueue(
            f"digest:{monday.isoformat()}", OutboxKind.DIGEST, None, monday.isoformat(), due, self.clock.now()
        )

    async def render(self, monday: date) -> Reply | None:
        """The digest, or None when every question was answered (nothing to send)."""
        tr, tz = self.tr, self.content.timezone
        first = monday - timedelta(days=7)
        start = datetime(first.year, first.month, first.day, tzinfo=tz)
        end = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
        questions = await self.store.unresolved_between(start, end)
        span = f"{tr.date_short(first)}–{tr.date_short(monday - timedelta(days=1))}"
        if not questions:
            return None
        groups = group_similar([q.text for q in questions])
        numbers = await self.store.save_question_groups(
            [[questions[i].id or 0 for i in group] for group in groups], self.clock.now()
        )
        lines = [
            "🧩 "
            + tr.gettext("Questions the bot could not answer, week {span}: {count} in {groups} groups").format(
                span=span, count=len(questions), groups=len(groups)
            ),
            "",
        ]
        for number, group in list(zip(numbers, groups, strict=True))[:MAX_GROUPS]:
            languages = ", ".join(sorted({questions[i].language for i in group}))
            header = f"[{number}] {len(group)}× · {languages}"
            chosen = Counter(questions[i].chosen_faq for i in group if questions[i].chosen_faq)
            if chosen:  # what people picked among "did you mean" choices: a hint, staff decide
                picked = ", ".join(f"{faq_id} {count}×" for faq_id, count in chosen.most_common())
                header += " · " + tr.gettext("people chose: {topics}").format(topics=picked)
            lines.append(header)
            lines.extend(f"   « {_short(questions[i].text)} »" for i in group[:EXAMPLES_SHOWN])
        if len(groups) > MAX_GROUPS:
            lines.append(tr.gettext("… and {count} more groups.").format(count=len(groups) - MAX_GROUPS))
        lines += [
            "",
            tr.gettext("Teach the bot: /learn <group number> <faq id>, e.g. /learn {number} opening_hours").format(
                number=numbers[0]
            ),
            tr.gettext("FAQ ids: {ids}").format(ids=", ".join(self.content.faq_ids)),
        ]
        return Reply("\n".join(lines), tr.lang)

"""The figures and the learning FAQ: activity days, archived counts, unanswered questions, learned examples.

`figure_sources` reads the raw rows the figures are counted from, for everyone or for one person; the
counting itself is `bot.figures.count`, one function for both, so what an erased person leaves behind in
`figure_counts` is exactly what they added to the live figures.
"""

from datetime import datetime
from typing import Any

from bot.figures import FigureRow, count
from bot.records import LearnedExample, Question
from storage.sqlite.base import SqliteBase, at, ts, when


def question(row: dict[str, Any]) -> Question:
    return Question(
        text=row["text"],
        language=row["language"],
        id=row["id"],
        office_id=row.get("office_id"),
        reason=row.get("reason") or "",
        created_at=when(row.get("created_at")),
        learned_faq=row.get("learned_faq"),
        chosen_faq=row.get("chosen_faq"),
    )


class FigureRows(SqliteBase):
    # -- activity and figures ----------------------------------------------------------------------------------

    async def figure_sources(self, person_id: int | None = None) -> dict[str, list[dict]]:
        """The rows the figures are counted from (ids, times, states; never a message text)."""
        rows = self._rows
        both = (person_id, person_id)
        async with self._exclusive():
            return {
                "people": await rows("SELECT id, office_id, language FROM people WHERE ? IS NULL OR id = ?", both),
                "activity": await rows(
                    "SELECT person_id, day, kind, office_id, language FROM activity WHERE ? IS NULL OR person_id = ?"
                    " ORDER BY day",
                    both,
                ),
                "appointments": await rows(
                    "SELECT person_id, office_id, kind, slot, status FROM appointments"
                    " WHERE slot IS NOT NULL AND (? IS NULL OR person_id = ?)",
                    both,
                ),
                "tickets": await rows(
                    "SELECT person_id, office_id, language, opened_at, first_answer_at, closed_at, rating, state"
                    " FROM tickets WHERE ? IS NULL OR person_id = ?",
                    both,
                ),
                "answers": await rows(
                    "SELECT person_id, faq_id, created_at FROM answers_given WHERE ? IS NULL OR person_id = ?", both
                ),
                "unresolved": await rows(
                    "SELECT person_id, language, office_id, created_at FROM unresolved_questions"
                    " WHERE ? IS NULL OR person_id = ?",
                    both,
                ),
            }

    async def live_figures(self) -> list[FigureRow]:
        return count(await self.figure_sources(), self.figures_timezone)

    async def person_figures(self, person_id: int) -> list[FigureRow]:
        """Everything this one person contributed to the figures: (month, office, language, metric, value)."""
        return count(await self.figure_sources(person_id), self.figures_timezone)

    async def add_figure_counts(self, figures: list[FigureRow]) -> None:
        """Add counts to `figure_counts` (an erased person's part of the figures)."""
        await self._many(
            "INSERT INTO figure_counts (month, office_id, language, metric, value) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (month, office_id, language, metric) DO UPDATE SET value = value + excluded.value",
            list(figures),
        )

    async def archived_figures(self) -> list[FigureRow]:
        found = await self._rows("SELECT month, office_id, language, metric, value FROM figure_counts")
        return [(r["month"], r["office_id"], r["language"], r["metric"], int(r["value"])) for r in found]

    # -- unresolved questions, their groups, learned examples --------------------------------------------------

    async def add_unresolved(
        self, person_id: int | None, text: str, language: str, office_id: str | None, reason: str, now: datetime
    ) -> int:
        cursor = await self._write(
            "INSERT INTO unresolved_questions (person_id, text, language, office_id, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (person_id, text, language, office_id, reason, ts(now)),
        )
        return int(cursor.lastrowid or 0)

    async def choose_topic(self, person_id: int, faq_id: str, since: datetime) -> None:
        await self._write(
            "UPDATE unresolved_questions SET chosen_faq = ? WHERE id = (SELECT id FROM unresolved_questions"
            " WHERE person_id = ? AND created_at >= ? AND learned_faq IS NULL ORDER BY id DESC LIMIT 1)",
            (faq_id, person_id, ts(since)),
        )

    async def list_unresolved(self, limit: int = 100) -> list[Question]:
        rows = await self._rows("SELECT * FROM unresolved_questions ORDER BY id DESC LIMIT ?", (limit,))
        return [question(r) for r in rows]

    async def last_unresolved(self, person_id: int) -> str | None:
        row = await self._one(
            "SELECT text FROM unresolved_questions WHERE person_id = ? ORDER BY id DESC LIMIT 1", (person_id,)
        )
        return row["text"] if row else None

    async def last_unresolved_question(self, person_id: int) -> Question | None:
        row = await self._one(
            "SELECT * FROM unresolved_questions WHERE person_id = ? AND learned_faq IS NULL ORDER BY id DESC LIMIT 1",
            (person_id,),
        )
        return question(row) if row else None

    async def unresolved_between(self, start: datetime, end: datetime) -> list[Question]:
        """Questions not answered yet in [start, end), not attached to a FAQ since."""
        rows = await self._rows(
            "SELECT * FROM unresolved_questions"
            " WHERE created_at >= ? AND created_at < ? AND learned_faq IS NULL ORDER BY id",
            (ts(start), ts(end)),
        )
        return [question(r) for r in rows]

    async def save_question_groups(self, groups: list[list[int]], now: datetime) -> list[int]:
        """Number the groups (numbers never reused) and remember which questions each holds."""
        numbers = []
        async with self.transaction():
            row = await self._one("SELECT COALESCE(MAX(group_id), 0) AS last FROM question_groups")
            last = int(row["last"]) if row else 0
            for offset, question_ids in enumerate(groups, start=1):
                await self._many(
                    "INSERT INTO question_groups (group_id, question_id, created_at) VALUES (?, ?, ?)",
                    [(last + offset, qid, ts(now)) for qid in question_ids],
                )
                numbers.append(last + offset)
        return numbers

    async def group_questions(self, group_id: int) -> list[Question]:
        rows = await self._rows(
            "SELECT q.* FROM question_groups g"
            " JOIN unresolved_questions q ON q.id = g.question_id WHERE g.group_id = ? ORDER BY q.id",
            (group_id,),
        )
        return [question(r) for r in rows]

    async def learn(self, faq_id: str, questions: list[Question], now: datetime) -> int:
        """Store questions as examples for `faq_id` (and mark the stored ones learned); how many were new."""
        added = 0
        async with self.transaction():
            for item in questions:
                added += await self._count(
                    "INSERT OR IGNORE INTO learned_examples (faq_id, text, language, created_at) VALUES (?, ?, ?, ?)",
                    (faq_id, item.text, item.language, ts(now)),
                )
                if item.id is not None:
                    await self._write("UPDATE unresolved_questions SET learned_faq = ? WHERE id = ?", (faq_id, item.id))
        return added

    async def learned_examples(self) -> list[LearnedExample]:
        rows = await self._rows("SELECT id, faq_id, text, language, created_at FROM learned_examples ORDER BY id")
        return [LearnedExample(r["id"], r["faq_id"], r["text"], r["language"], at(r["created_at"])) for r in rows]

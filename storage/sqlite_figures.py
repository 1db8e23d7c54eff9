"""The SQLite side of the figures and the learning FAQ, kept apart from the rest of the store.

`figure_sources` reads the raw rows the figures are counted from, for everyone or for one person; the
counting itself is `bot.figures.count`, one function for both, so what an erased person leaves behind in
`figure_counts` is exactly what they added to the live figures.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from bot.figures import FigureRow, count
from storage.timestamps import utc_text

# The offices' timezone (content: offices.yaml); bootstrap sets it from the content.
DEFAULT_TIMEZONE = ZoneInfo("Europe/Berlin")


_utc = utc_text


async def add_figure_counts(db: aiosqlite.Connection, figures: list[FigureRow]) -> None:
    """Add counts to `figure_counts` (inside the caller's transaction)."""
    await db.executemany(
        "INSERT INTO figure_counts (month, office_id, language, metric, value) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (month, office_id, language, metric) DO UPDATE SET value = value + excluded.value",
        figures,
    )


class FiguresAndLearning:
    """Mixed into SqliteStore: uses its `_rows`, `_write` and `_transaction`."""

    figures_timezone: ZoneInfo = DEFAULT_TIMEZONE

    # -- activity and figures ----------------------------------------------------------------------------------

    async def record_activity(self, person_id: int, day: str, kind: str = "chat") -> None:
        """The person wrote to the bot on `day` (local date): one row per day, with their office and language."""
        await self._write(
            "INSERT INTO activity (person_id, day, kind, office_id, language)"
            " SELECT id, ?, ?, COALESCE(office_id, ''), language FROM people WHERE id = ?"
            " ON CONFLICT (person_id, day, kind) DO UPDATE SET office_id = excluded.office_id,"
            " language = excluded.language",
            (day, kind, person_id),
        )

    async def figure_sources(self, person_id: int | None = None) -> dict[str, list[dict]]:
        """The rows the figures are counted from (ids, times, states; never a message text)."""
        rows = self._rows
        both = (person_id, person_id)
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

    async def archive_person_figures(self, person_id: int) -> int:
        """Keep a person's contribution in `figure_counts` (before their rows are deleted)."""
        async with self._transaction() as db:
            figures = await self.person_figures(person_id)
            await add_figure_counts(db, figures)
        return len(figures)

    async def archived_figures(self) -> list[FigureRow]:
        found = await self._rows("SELECT month, office_id, language, metric, value FROM figure_counts")
        return [(r["month"], r["office_id"], r["language"], r["metric"], int(r["value"])) for r in found]

    # -- unresolved questions, their groups, learned examples --------------------------------------------------

    async def unresolved_between(self, start: datetime, end: datetime) -> list[dict]:
        """Questions not answered yet in [start, end), not attached to a FAQ since."""
        return await self._rows(
            "SELECT id, text, language, office_id, reason, created_at FROM unresolved_questions"
            " WHERE created_at >= ? AND created_at < ? AND learned_faq IS NULL ORDER BY id",
            (_utc(start), _utc(end)),
        )

    async def last_unresolved_question(self, person_id: int) -> dict | None:
        found = await self._rows(
            "SELECT id, text, language FROM unresolved_questions WHERE person_id = ? AND learned_faq IS NULL"
            " ORDER BY id DESC LIMIT 1",
            (person_id,),
        )
        return found[0] if found else None

    async def save_question_groups(self, groups: list[list[int]], now: datetime) -> list[int]:
        """Number the groups (numbers never reused) and remember which questions each holds."""
        numbers = []
        async with self._transaction() as db:
            async with db.execute("SELECT COALESCE(MAX(group_id), 0) FROM question_groups") as cursor:
                last = int((await cursor.fetchone())[0])
            for offset, question_ids in enumerate(groups, start=1):
                await db.executemany(
                    "INSERT INTO question_groups (group_id, question_id, created_at) VALUES (?, ?, ?)",
                    [(last + offset, qid, _utc(now)) for qid in question_ids],
                )
                numbers.append(last + offset)
        return numbers

    async def group_questions(self, group_id: int) -> list[dict]:
        return await self._rows(
            "SELECT q.id, q.text, q.language, q.learned_faq FROM question_groups g"
            " JOIN unresolved_questions q ON q.id = g.question_id WHERE g.group_id = ? ORDER BY q.id",
            (group_id,),
        )

    async def learn(self, faq_id: str, questions: list[dict], now: datetime) -> int:
        """Store questions ({id?, text, language}) as examples for `faq_id`; returns how many were new."""
        added = 0
        async with self._transaction() as db:
            for question in questions:
                cursor = await db.execute(
                    "INSERT OR IGNORE INTO learned_examples (faq_id, text, language, created_at) VALUES (?, ?, ?, ?)",
                    (faq_id, question["text"], question["language"], _utc(now)),
                )
                added += cursor.rowcount
                if question.get("id") is not None:
                    await db.execute(
                        "UPDATE unresolved_questions SET learned_faq = ? WHERE id = ?", (faq_id, question["id"])
                    )
        return added

    async def learned_examples(self) -> list[dict]:
        return await self._rows("SELECT id, faq_id, text, language, created_at FROM learned_examples ORDER BY id")

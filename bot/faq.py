"""The FAQ matcher the bot answers with: the content's examples, plus the questions staff taught it.

Learning swaps in a new matcher (built off the event loop); the engine always asks the current one.
"""

import asyncio
from dataclasses import dataclass, field

from bot.matcher import Match, Matcher, Understanding


@dataclass
class Faq:
    base: Matcher  # the content's examples only
    current: Matcher = field(init=False)

    def __post_init__(self) -> None:
        self.current = self.base

    def match(self, text: str, lang: str | None = None) -> Match:
        return self.current.match(text, lang)

    def understand(self, text: str, known_lang: str | None = None) -> Understanding:
        return self.current.understand(text, known_lang)

    async def teach(self, examples: list[tuple[str, str, str | None]]) -> None:
        """Answer from now on with the content's examples plus these (faq id, text, language)."""
        self.current = await asyncio.to_thread(self.base.with_examples, examples) if examples else self.base

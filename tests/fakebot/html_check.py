"""Parse Telegram-style HTML the way the Bot API does: allowed tags only, balanced, entities escaped."""

import html
import re

ALLOWED = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_TOKEN = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-z-]+=\"[^\"]*\")*)\s*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[<>&]"
)
_NAMED = {"lt", "gt", "amp", "quot"}


class EntityError(ValueError):
    pass


def plain_text(text: str) -> str:
    """The text a reader sees; raises EntityError where Telegram would answer "can't parse entities"."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        out.append(text[pos : match.start()])
        pos = match.end()
        token = match.group(0)
        if match.group(2):  # a tag
            closing, name = match.group(1) == "/", match.group(2).lower()
            if name not in ALLOWED:
                raise EntityError(f'Unsupported start tag "{name}" at byte offset {match.start()}')
            if closing:
                if not stack or stack[-1] != name:
                    raise EntityError(
                        f'Unmatched end tag at byte offset {match.start()}, expected "</{stack[-1] if stack else ""}>"'
                    )
                stack.pop()
            else:
                stack.append(name)
        elif match.group(4):  # an entity
            entity = match.group(4)
            if not entity.startswith("#") and entity not in _NAMED:
                raise EntityError(f'Unsupported HTML entity "&{entity};"')
            out.append(html.unescape(token))
        else:  # a bare <, > or &
            if token == ">":
                out.append(">")  # Telegram tolerates a bare '>'
            else:
                raise EntityError(f"Can't find end of the entity starting at byte offset {match.start()}")
    out.append(text[pos:])
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)

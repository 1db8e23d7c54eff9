"""The documented limits of outgoing Cloud API messages, checked the way the Cloud API refuses them.

Lengths are counted in Unicode code points (Python's len). Meta documents "characters" without saying how an
emoji counts; code points is the lenient reading, so a text the fake refuses is surely refused by Meta too.
"""

import re
from dataclasses import dataclass
from typing import Any

from fakewa.errors import ApiError, invalid_parameter, param_error

TEXT_BODY_MAX = 4096
INTERACTIVE_BODY_MAX = 1024  # Meta's WhatsApp Node SDK docs: body of button and list messages, 1024 characters
HEADER_TEXT_MAX = 60
FOOTER_MAX = 60
CAPTION_MAX = 1024
REPLY_BUTTONS_MAX = 3
REPLY_BUTTON_TITLE_MAX = 20
REPLY_BUTTON_ID_MAX = 256
LIST_BUTTON_MAX = 20
LIST_SECTIONS_MAX = 10
LIST_ROWS_MAX = 10  # all sections together
LIST_SECTION_TITLE_MAX = 24
LIST_ROW_TITLE_MAX = 24
LIST_ROW_ID_MAX = 200
LIST_ROW_DESCRIPTION_MAX = 72
TEMPLATE_PARAM_MAX = 1024

# What the /media endpoint accepts (Meta's own error text lists exactly these).
UPLOAD_TYPES = (
    "audio/aac",
    "audio/mp4",
    "audio/mpeg",
    "audio/amr",
    "audio/ogg",
    "audio/opus",
    "application/vnd.ms-powerpoint",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/pdf",
    "text/plain",
    "application/vnd.ms-excel",
    "image/jpeg",
    "image/png",
    "image/webp",
    "video/mp4",
    "video/3gpp",
)
UPLOAD_MAX_BYTES = {"image": 5 * 2**20, "audio": 16 * 2**20, "video": 16 * 2**20, "application": 100 * 2**20}
UPLOAD_MAX_BYTES["text"] = UPLOAD_MAX_BYTES["application"]
# What each message type accepts as its media (sticker-only webp is not an image; voice wants OGG/OPUS).
MESSAGE_MEDIA_TYPES = {
    "image": ("image/jpeg", "image/png"),
    "audio": ("audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"),
    "document": tuple(t for t in UPLOAD_TYPES if t.startswith(("application/", "text/"))),
    "video": ("video/mp4", "video/3gpp"),
    "sticker": ("image/webp",),
}

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


@dataclass
class Template:
    """An approved message template, registered for one language."""

    name: str
    language: str
    body: str
    category: str = "UTILITY"
    status: str = "APPROVED"  # APPROVED, PAUSED, DISABLED

    @property
    def placeholders(self) -> list[str]:
        return _PLACEHOLDER.findall(self.body)

    def render(self, values: list[str], names: list[str | None]) -> str:
        by_name = {n: v for n, v in zip(names, values, strict=True) if n}
        positional = iter(values)

        def fill(match: re.Match[str]) -> str:
            key = match.group(1)
            if key in by_name:
                return by_name[key]
            return next(positional)

        return _PLACEHOLDER.sub(fill, self.body)


def base_type(mime: str) -> str:
    return mime.split(";")[0].strip().lower()


def check_upload(mime: str, size: int) -> None:
    if base_type(mime) not in UPLOAD_TYPES:
        raise param_error(
            f"Param file must be a file with one of the following types: {', '.join(UPLOAD_TYPES)}. "
            f"Received file of type '{mime}'."
        )
    limit = UPLOAD_MAX_BYTES.get(base_type(mime).split("/")[0], UPLOAD_MAX_BYTES["application"])
    if size > limit:
        raise ApiError(131053, f"File is too big: {size} bytes, the limit for this type is {limit} bytes.")
    if size == 0:
        raise ApiError(131053, "The uploaded file is empty.")


def _length(value: Any, limit: int, what: str, minimum: int = 1, code_100: bool = False) -> None:
    text = value if isinstance(value, str) else ""
    if not (minimum <= len(text) <= limit):
        if code_100:
            raise param_error(f"Param {what} must be at most {limit} characters long.")
        raise invalid_parameter(f"{what} length invalid. Min length: {minimum}, Max length: {limit}")


def check_text(text: dict[str, Any]) -> None:
    body = text.get("body")
    if not isinstance(body, str) or not body.strip():
        raise param_error("Param text['body'] is required.")
    if len(body) > TEXT_BODY_MAX:
        raise param_error(f"Param text['body'] must be at most {TEXT_BODY_MAX} characters long.")


def _check_frame(interactive: dict[str, Any]) -> None:
    body = (interactive.get("body") or {}).get("text")
    if not isinstance(body, str) or not body.strip():
        raise ApiError(
            131008, "Param interactive['body']['text'] is required.", message="(#131008) Required parameter is missing"
        )
    _length(body, INTERACTIVE_BODY_MAX, "Body text")
    header = interactive.get("header")
    if header and header.get("type") == "text":
        _length(header.get("text"), HEADER_TEXT_MAX, "Header text")
    footer = interactive.get("footer")
    if footer:
        _length(footer.get("text"), FOOTER_MAX, "Footer text")


def check_reply_buttons(interactive: dict[str, Any]) -> list[dict[str, str]]:
    _check_frame(interactive)
    buttons = (interactive.get("action") or {}).get("buttons") or []
    if not 1 <= len(buttons) <= REPLY_BUTTONS_MAX:
        raise invalid_parameter(f"Number of buttons must be between 1 and {REPLY_BUTTONS_MAX}; got {len(buttons)}.")
    replies = []
    for button in buttons:
        if button.get("type") != "reply" or not isinstance(button.get("reply"), dict):
            raise invalid_parameter("Button type must be 'reply'.")
        reply = button["reply"]
        _length(reply.get("title"), REPLY_BUTTON_TITLE_MAX, "Button title")
        _length(reply.get("id"), REPLY_BUTTON_ID_MAX, "Button id")
        if reply["id"] != reply["id"].strip():
            raise invalid_parameter("Button id cannot have leading or trailing spaces.")
        replies.append({"id": reply["id"], "title": reply["title"]})
    if len({r["id"] for r in replies}) != len(replies):
        raise invalid_parameter("Buttons must have unique ids.")
    if len({r["title"] for r in replies}) != len(replies):
        raise invalid_parameter("Buttons must have unique titles.")
    return replies


def check_list(interactive: dict[str, Any]) -> list[dict[str, str]]:
    _check_frame(interactive)
    header = interactive.get("header")
    if header and header.get("type") != "text":
        raise invalid_parameter("The header of a list message must be of type text.")
    action = interactive.get("action") or {}
    _length(action.get("button"), LIST_BUTTON_MAX, "Button label")
    sections = action.get("sections") or []
    if not 1 <= len(sections) <= LIST_SECTIONS_MAX:
        raise invalid_parameter(f"Number of sections must be between 1 and {LIST_SECTIONS_MAX}; got {len(sections)}.")
    rows: list[dict[str, str]] = []
    for section in sections:
        title = section.get("title")
        if title is not None or len(sections) > 1:
            _length(title, LIST_SECTION_TITLE_MAX, "Section title")
        section_rows = section.get("rows") or []
        if not section_rows:
            raise invalid_parameter("Each section needs at least one row.")
        for row in section_rows:
            _length(row.get("title"), LIST_ROW_TITLE_MAX, "Row title")
            _length(row.get("id"), LIST_ROW_ID_MAX, "Row id")
            if row.get("description") is not None:
                _length(row.get("description"), LIST_ROW_DESCRIPTION_MAX, "Row description", minimum=0)
            rows.append({"id": row["id"], "title": row["title"], "description": row.get("description") or ""})
    if len(rows) > LIST_ROWS_MAX:
        raise invalid_parameter(f"Total row count exceed max allowed count: {LIST_ROWS_MAX}")
    if len({r["id"] for r in rows}) != len(rows):
        raise invalid_parameter("Row ids must be unique.")
    return rows


def check_caption(media: dict[str, Any]) -> None:
    caption = media.get("caption")
    if caption is not None and len(caption) > CAPTION_MAX:
        raise param_error(f"Param caption must be at most {CAPTION_MAX} characters long.")


def template_values(template_payload: dict[str, Any]) -> tuple[list[str], list[str | None]]:
    """The body parameters of a template message: their texts and (for named templates) names."""
    values: list[str] = []
    names: list[str | None] = []
    for component in template_payload.get("components") or []:
        if str(component.get("type", "")).lower() != "body":  # pywa sends "BODY", Meta documents "body"
            continue
        for parameter in component.get("parameters") or []:
            if parameter.get("type") != "text" or not isinstance(parameter.get("text"), str):
                raise param_error("Template body parameters must be of type text.")
            text = parameter["text"]
            if "\n" in text or "\t" in text or "     " in text:
                raise param_error("Param text cannot have new-line/tab characters or more than 4 consecutive spaces")
            if len(text) > TEMPLATE_PARAM_MAX:
                raise param_error(f"Param text must be at most {TEMPLATE_PARAM_MAX} characters long.")
            values.append(text)
            names.append(parameter.get("parameter_name"))
    return values, names


def check_template(template_payload: dict[str, Any], templates: dict[tuple[str, str], Template]) -> str:
    """Checks a template message against the registered templates; returns the text the user sees."""
    name = template_payload.get("name")
    language = (template_payload.get("language") or {}).get("code")
    template = templates.get((name, language))
    if template is None:
        raise ApiError(132001, f"template name ({name}) does not exist in {language}")
    if template.status == "PAUSED":
        raise ApiError(132015, f"template ({name}) is paused")
    if template.status == "DISABLED":
        raise ApiError(132016, f"template ({name}) is disabled")
    values, names = template_values(template_payload)
    expected = len(template.placeholders)
    if len(values) != expected:
        raise ApiError(
            132000,
            f"body: number of localizable_params ({len(values)}) does not match the expected number of params ({expected})",
        )
    if any(names) and set(names) != set(template.placeholders):
        raise ApiError(132000, f"body: parameter names {sorted(n or '' for n in names)} do not match the template")
    return template.render(values, names)

"""The core's replies fitted to WhatsApp's limits (handlers/whatsapp/render.py): buttons, lists, pages, text
lengths and files. The end-to-end tests (test_whatsapp.py) send these through the fake Cloud API, which
refuses anything over the limits."""

from bot.models import Attachment, Button, Reply
from handlers.whatsapp.render import (
    ARROW,
    MORE_PREFIX,
    Document,
    ListMessage,
    Pages,
    ReplyButtons,
    Text,
    list_page,
    render,
)


def buttons(*labels: str) -> tuple[tuple[Button, ...], ...]:
    return tuple((Button(label, f"act:{i}"),) for i, label in enumerate(labels))


def show(reply: Reply, pages: Pages | None = None) -> list:
    return render(reply, pages or Pages(), "Auswählen", "Mehr")


def test_up_to_three_short_distinct_labels_are_reply_buttons():
    [message] = show(Reply("Termin?", "de", buttons("✅ Ja", "❌ Nein", "🏠 Menü")))
    assert message == ReplyButtons("Termin?", (("act:0", "✅ Ja"), ("act:1", "❌ Nein"), ("act:2", "🏠 Menü")))


def test_more_than_three_or_long_or_equal_labels_become_a_list():
    four = show(Reply("Büro?", "de", buttons("A", "B", "C", "D")))
    long = show(Reply("Büro?", "de", buttons("📅 Einen Termin buchen jetzt")))  # 27 characters
    same = show(Reply("Büro?", "de", buttons("Mehr", "Mehr")))
    for [message] in (four, long, same):
        assert isinstance(message, ListMessage) and message.label == "Auswählen"
    [listed] = long
    [row] = listed.rows
    assert len(row.title) == 24 and row.title.endswith("…") and row.description == "📅 Einen Termin buchen jetzt"


def test_more_than_ten_choices_are_paged_with_a_more_row():
    pages = Pages()
    many = tuple(Button(f"Zeit {i}", f"t:{i}") for i in range(23))
    first = list_page(ARROW, many, "Auswählen", "Mehr", pages)
    assert len(first.rows) == 10 and [r.id for r in first.rows[:9]] == [f"t:{i}" for i in range(9)]
    more = first.rows[-1]
    assert more.id.startswith(MORE_PREFIX) and more.title == "➡️ Mehr"
    rest, label, word = pages.take(more.id.removeprefix(MORE_PREFIX))  # type: ignore[misc]
    assert [b.action for b in rest] == [f"t:{i}" for i in range(9, 23)] and (label, word) == ("Auswählen", "Mehr")
    assert pages.take("nonsense") is None


def test_long_texts_are_split_and_buttons_follow_under_an_arrow():
    text = ("Ein Satz über das Amt. " * 60).strip()  # ~1400 characters: too long for an interactive body
    messages = show(Reply(text, "de", buttons("Ja", "Nein")))
    assert isinstance(messages[0], Text) and messages[0].body == text
    assert isinstance(messages[1], ReplyButtons) and messages[1].body == ARROW
    huge = "\n".join(f"Zeile {i}: " + "x" * 90 for i in range(100))  # ~10 000 characters
    chunks = show(Reply(huge, "de"))
    assert all(isinstance(c, Text) and len(c.body) <= 4096 for c in chunks) and len(chunks) == 3
    assert "".join(c.body.replace("\n", "") for c in chunks) == huge.replace("\n", "")
    [only] = show(Reply("", "de", buttons("Ja")))
    assert isinstance(only, ReplyButtons) and only.body == ARROW


def test_files_go_as_documents_and_calendars_as_text_files():
    ics = Attachment("termin.ics", b"BEGIN:VCALENDAR", "text/calendar")
    data = Attachment("meine-daten.txt", b"{}", "text/plain")
    pdf = Attachment("brief.pdf", b"%PDF", "application/pdf")
    documents = show(Reply("Ihr Termin", "de", attachments=(ics, data, pdf)))[1:]
    assert documents == [
        Document(b"BEGIN:VCALENDAR", "termin.ics", "text/plain"),
        Document(b"{}", "meine-daten.txt", "text/plain"),
        Document(b"%PDF", "brief.pdf", "application/pdf"),
    ]

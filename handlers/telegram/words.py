"""What both Telegram adapters read the same way: the channel's name and the Bot API's error texts.

Library-free (imports neither aiogram nor python-telegram-bot), so the adapter not selected stays unloaded.
"""

CHANNEL = "telegram"
# Telegram's words for a forum topic that was deleted or cannot be used (tests/fakebot cites its sources).
TOPIC_GONE = ("message thread not found", "TOPIC_ID_INVALID", "TOPIC_DELETED", "TOPIC_CLOSED")
TOPIC_NOT_MODIFIED = "TOPIC_NOT_MODIFIED"  # open (or closed, or named so) already
NOT_MODIFIED = "message is not modified"  # the same button pressed twice: the text stays as it is
NO_TEXT = "no text in the message"  # a media message: edit its caption instead
PRESENT = frozenset({"member", "administrator", "creator", "restricted"})
MEMBER = frozenset({"creator", "administrator", "member"})


def topic_gone(message: str) -> bool:
    # Without case: python-telegram-bot capitalises the start of Telegram's description.
    return any(words.lower() in message.lower() for words in TOPIC_GONE)

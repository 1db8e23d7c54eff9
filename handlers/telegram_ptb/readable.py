"""What PTB does not check for the channel: that an update's fields have Telegram's types (aiogram's pydantic
models refuse a forged body; PTB's classes take it)."""

from datetime import datetime

from telegram import CallbackQuery, Chat, Message, Update, User


def _user_ok(user: object) -> bool:
    return isinstance(user, User) and isinstance(user.id, int)


def _message_ok(message: Message) -> bool:
    return (
        isinstance(message.message_id, int)
        and isinstance(message.chat, Chat)
        and isinstance(message.chat.id, int)
        and isinstance(message.date, datetime)
        and all(isinstance(t, str | None) for t in (message.text, message.caption, message.chat.type))
        and (message.from_user is None or _user_ok(message.from_user))
    )


def readable(update: Update) -> bool:
    """The fields the channel reads have Telegram's types. PTB does not check them (aiogram's pydantic models
    do); Telegram never sends otherwise, so only a forged body fails here."""
    if not isinstance(update.update_id, int):
        return False
    if isinstance(update.callback_query, CallbackQuery):
        callback = update.callback_query
        if not _user_ok(callback.from_user) or not isinstance(callback.data, str | None):
            return False
        return not isinstance(callback.message, Message) or _message_ok(callback.message)
    message = update.effective_message
    return message is None or (isinstance(message, Message) and _message_ok(message))

"""Show the core's replies in a chat (python-telegram-bot): edit the menu in place when a button was pressed,
else send."""

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.models import Reply
from handlers.telegram.render import as_html, button_rows, split_text
from handlers.telegram.words import NOT_MODIFIED

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    rows = button_rows(reply)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in r] for r in rows])


def said(exc: BadRequest, words: str) -> bool:
    # PTB drops Telegram's "Bad Request: " and capitalises what follows: compare without case.
    return words.lower() in exc.message.lower()


async def edit_in_place(bot: Bot, chat_id: int, message_id: int, text: str, reply: Reply) -> bool:
    try:
        await bot.edit_message_text(
            as_html(text),
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply),
            link_preview_options=_NO_PREVIEW,
        )
        return True
    except BadRequest as exc:
        # Pressing the same button twice leaves the text as it is: that is not a failure.
        return said(exc, NOT_MODIFIED)


async def deliver(
    bot: Bot, chat_id: int, replies: list[Reply], edit_message_id: int | None = None, thread: int | None = None
) -> int | None:
    """Show the replies; returns the id of the last text message sent (None if all were edits).

    Raises telegram.error.Forbidden when the person blocked the bot.
    """
    last_sent: int | None = None
    for index, reply in enumerate(replies):
        chunks = split_text(reply.text, reply.lang)
        if index == 0 and reply.replace and edit_message_id is not None and len(chunks) == 1 and not reply.attachments:
            if await edit_in_place(bot, chat_id, edit_message_id, chunks[0], reply):
                continue
        for number, chunk in enumerate(chunks):
            last = number == len(chunks) - 1
            sent = await bot.send_message(
                chat_id,
                as_html(chunk),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply) if last else None,
                link_preview_options=_NO_PREVIEW,
                message_thread_id=thread,
            )
            last_sent = sent.message_id
        for attachment in reply.attachments:
            await bot.send_document(chat_id, attachment.data, filename=attachment.filename, message_thread_id=thread)
    return last_sent


async def answer(bot: Bot, chat_id: int, replies: list[Reply], edit_message_id: int | None = None) -> None:
    """Answer a person who just wrote: if they blocked the bot meanwhile, there is nobody to tell."""
    try:
        await deliver(bot, chat_id, replies, edit_message_id)
    except Forbidden:
        return

"""Show the core's replies in a chat: edit the menu in place when a button was pressed, else send."""

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.models import Reply
from handlers.telegram.render import as_html, button_rows, split_text

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    rows = [[InlineKeyboardButton(text=label, callback_data=data) for label, data in row] for row in button_rows(reply)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def edit_in_place(bot: Bot, chat_id: int, message_id: int, text: str, reply: Reply) -> bool:
    try:
        await bot.edit_message_text(
            chat_id=chat_id,
            message_id=message_id,
            text=as_html(text),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply),
            link_preview_options=_NO_PREVIEW,
        )
        return True
    except TelegramBadRequest as exc:
        # Pressing the same button twice leaves the text as it is: that is not a failure.
        return "message is not modified" in exc.message


async def deliver(
    bot: Bot, chat_id: int, replies: list[Reply], edit_message_id: int | None = None, thread: int | None = None
) -> int | None:
    """Show the replies; returns the id of the last text message sent (None if all were edits).

    Raises TelegramForbiddenError when the person blocked the bot.
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
                chat_id=chat_id,
                text=as_html(chunk),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply) if last else None,
                link_preview_options=_NO_PREVIEW,
                message_thread_id=thread,
            )
            last_sent = sent.message_id
        for attachment in reply.attachments:
            await bot.send_document(
                chat_id=chat_id,
                document=BufferedInputFile(attachment.data, attachment.filename),
                message_thread_id=thread,
            )
    return last_sent


async def answer(bot: Bot, chat_id: int, replies: list[Reply], edit_message_id: int | None = None) -> None:
    """Answer a person who just wrote: if they blocked the bot meanwhile, there is nobody to tell."""
    try:
        await deliver(bot, chat_id, replies, edit_message_id)
    except TelegramForbiddenError:
        return

"""What every handler of the PTB channel shares: the core, the bot, who is staff, and Telegram's commands
read exactly as aiogram's Command filter reads them (so both adapters route the same text the same way)."""

from dataclasses import dataclass

from telegram import Bot, Message

from bot.access import StaffAccess
from bot.bootstrap import App
from bot.messenger import StaffRoom


@dataclass(frozen=True)
class Command:
    name: str  # as written (aiogram compares case-sensitively; handlers lower-case it)
    args: str | None
    mention: str


def command_of(message: Message, bot_username: str | None) -> Command | None:
    """'/name@bot args' in the text or the caption; None when it is not a command, or for another bot."""
    text = message.text or message.caption
    if not text:
        return None
    parts = text.split(maxsplit=1)
    if not parts or not parts[0].startswith("/"):
        return None
    name, _, mention = parts[0][1:].partition("@")
    if mention and bot_username and mention.lower() != bot_username.lower():
        return None
    return Command(name, parts[1] if len(parts) > 1 else None, mention)


@dataclass
class Desks:
    """Handed to every handler: the core's desks and the bot that answers."""

    app: App
    bot: Bot
    room: StaffRoom  # the channel's messenger, for the core's topic keeper
    staff_chats: frozenset[int]
    access: StaffAccess
    refusal: str  # said to someone who is not staff and used a staff command or wrote in a topic
    username: str | None = None  # the bot's, known at start (getMe)

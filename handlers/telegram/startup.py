"""What can stop the Telegram channel from starting, said once for both adapters (aiogram and
python-telegram-bot): one line for the person starting the bot, naming the setting and the fix.

Library-free: each adapter reads Telegram's answers with its library and hands them here.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


class StartupError(Exception):
    """Something the person starting the bot must fix; `exit_code` 2 (a setting), 1 (try again later)."""

    exit_code = 2


class ApiUnreachable(StartupError):
    exit_code = 1


def wrong_token() -> StartupError:
    return StartupError(
        "Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized: revoked or mistyped):"
        " copy the bot's current token from @BotFather."
    )


def no_bot_api(base: str, said: str) -> StartupError:
    return StartupError(
        f"TELEGRAM_API_BASE {base}: no Bot API answers there ({said});"
        " unset it for https://api.telegram.org, or give the address of your Bot API server"
    )


def unreachable(base: str, said: str) -> ApiUnreachable:
    return ApiUnreachable(f"Cannot reach the Telegram Bot API at {base}: {said}")


def webhook_refused(url: str, said: str) -> StartupError:
    # e.g. "bad webhook: Failed to resolve host", "bad webhook: IP address ... is reserved"
    return StartupError(
        f"TELEGRAM_WEBHOOK_URL {url}: Telegram refused it ({said}); use a"
        " public https:// address that reaches this server, or unset it for long polling"
    )


def cannot_listen(host: str, port: int, said: str) -> StartupError:
    return StartupError(
        f"WILLKOMMEN_HOST/WILLKOMMEN_PORT {host}:{port}: cannot listen there"
        f" ({said}); choose a free port or stop the program that uses it"
    )


class NotThere(Exception):
    """Telegram refused to say (the adapter's reading of "chat not found", "bot was kicked", ...)."""


@dataclass(frozen=True)
class Rights:
    status: str  # "creator", "administrator", "member", "left", "kicked", ...
    can_manage_topics: bool


async def check_staff_group(
    chat_id: int,
    is_forum: Callable[[int], Awaitable[bool]],
    rights: Callable[[int], Awaitable[Rights]],
) -> None:
    """The staff group exists for the bot, has topics, and the bot may manage them: else StartupError.
    `is_forum` and `rights` ask Telegram and raise NotThere when it refuses."""
    where = f"STAFF_CHAT_ID {chat_id}"
    try:
        forum = await is_forum(chat_id)
    except NotThere:
        raise StartupError(f"{where}: the bot is not in this group; add it to the group as admin") from None
    if not forum:
        raise StartupError(f"{where}: topics are off in this group; turn on Topics in its settings")
    try:
        mine = await rights(chat_id)
    except NotThere as exc:
        raise StartupError(
            f"{where}: Telegram did not tell the bot its rights in this group ({exc}); check that this is"
            " the staff group's id and that the bot is an admin there"
        ) from None
    if mine.status in ("left", "kicked"):
        raise StartupError(f"{where}: the bot is not in this group; add it to the group as admin")
    if mine.status not in ("administrator", "creator") or (
        mine.status == "administrator" and not mine.can_manage_topics
    ):
        raise StartupError(f"{where}: make the bot an admin with the right to manage topics")

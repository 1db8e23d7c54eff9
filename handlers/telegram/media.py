"""A staff member's file in a Telegram message, read the same way by both adapters (aiogram and
python-telegram-bot name the fields as the Bot API does): library-free."""

from typing import Any

from bot.models import Media

_EXTENSIONS = {"photo": "jpg", "voice": "ogg", "audio": "mp3", "video": "mp4", "sticker": "webp"}


def default_name(media: Media) -> str:
    return f"{media.kind}.{_EXTENSIONS.get(media.kind, 'bin')}"


def media_of(message: Any) -> Media | None:
    """A staff member's file, by its Telegram file id: for people on another platform, who get it as bytes."""
    caption = message.caption or ""
    if message.photo:
        return Media("photo", message.photo[-1].file_id, "image/jpeg", "photo.jpg", caption)
    if message.voice:
        return Media("voice", message.voice.file_id, message.voice.mime_type or "audio/ogg", "voice.ogg", caption)
    if message.audio:
        audio = message.audio
        return Media("audio", audio.file_id, audio.mime_type or "audio/mpeg", audio.file_name or "audio.mp3", caption)
    if message.video:
        video = message.video
        return Media("video", video.file_id, video.mime_type or "video/mp4", video.file_name or "video.mp4", caption)
    if message.document:
        document = message.document
        mime = document.mime_type or "application/octet-stream"
        return Media("document", document.file_id, mime, document.file_name or "file", caption)
    return None

"""The Telegram channel on python-telegram-bot (PTB 22): the same features, settings and behaviour as the
aiogram channel in handlers/telegram/, selected with TELEGRAM_LIBRARY=ptb. `app.py` wires and runs it."""

import os

# Time periods as timedelta, as PTB 23 will give them: without it PTB warns on every 429 it reads itself.
os.environ.setdefault("PTB_TIMEDELTA", "1")

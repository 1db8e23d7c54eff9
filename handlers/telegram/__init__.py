"""The Telegram channel (aiogram 3): thin routers that turn updates into the core's events and its replies
into Bot API calls. `app.py` wires and runs it (long polling or webhook)."""

"""The channel-neutral core of the lokal willkommen bot. Nothing in here knows a messaging platform."""

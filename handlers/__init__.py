"""Channels: each module turns one platform's events into the core's `Incoming` and shows its replies."""

"""A fake WhatsApp Cloud API (Graph API) server for tests: aiohttp on 127.0.0.1, validating payloads like the
Cloud API, keeping the 24-hour customer service window, recording every call, injecting failures, and posting
signed webhooks as WhatsApp users would. Reused by every test that drives the real pywa client."""

from fakewa.errors import ApiError
from fakewa.server import (
    APP_SECRET,
    PHONE_ID,
    TOKEN,
    VERIFY_TOKEN,
    WABA_ID,
    Call,
    Delivery,
    FakeWaUser,
    FakeWhatsApp,
    Media,
    Sent,
)
from fakewa.webhook import encode, sign

__all__ = [
    "APP_SECRET",
    "PHONE_ID",
    "TOKEN",
    "VERIFY_TOKEN",
    "WABA_ID",
    "ApiError",
    "Call",
    "Delivery",
    "FakeWaUser",
    "FakeWhatsApp",
    "Media",
    "Sent",
    "encode",
    "sign",
]

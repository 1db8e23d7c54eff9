"""Webhook payloads shaped like the Cloud API's, and their signatures.

Meta signs the raw body with the app secret (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`) and escapes
non-ASCII characters and slashes in that body (`\\u0645`, `\\/`). The fake does the same, so a receiver that checks
the signature over re-serialized JSON instead of the raw bytes fails against it, as it would against Meta.
"""

import hashlib
import hmac
import json
from typing import Any

USER_AGENT = "facebookexternalua"


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode("ascii")


def sign(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def envelope(waba_id: str, phone_id: str, display_number: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    """One webhook POST: one entry with one change per value (Meta may batch several into one POST)."""
    changes = [
        {
            "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": display_number, "phone_number_id": phone_id},
                **value,
            },
            "field": "messages",
        }
        for value in values
    ]
    return {"object": "whatsapp_business_account", "entry": [{"id": waba_id, "changes": changes}]}


def merge(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """Several payloads as one POST with several entries (how a batched delivery looks)."""
    return {"object": "whatsapp_business_account", "entry": [entry for p in payloads for entry in p["entry"]]}

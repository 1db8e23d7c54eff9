"""Graph API errors as the Cloud API sends them: HTTP status, numeric code, title and details.

The Cloud API wants clients to act on the numeric `code` (pywa maps codes to exception classes), not on the HTTP
status: most message errors, the throughput limit (130429) and the pair rate limit (131056) included, come with
HTTP 400. Codes, titles and detail texts follow Meta's error-code reference and error bodies seen in the wild.
"""

import secrets
from typing import Any

ERROR_CODES_URL = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"

# code -> title (also the "message" of webhook error objects)
TITLES = {
    1: "API Unknown",
    2: "API Service",
    100: "Invalid parameter",
    190: "Access token has expired",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131009: "Parameter value is not valid",
    131016: "Service unavailable",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131053: "Media upload error",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132015: "Template is Paused",
    132016: "Template is Disabled",
}

DETAILS = {
    130429: "Cloud API message throughput has been reached.",
    131026: "Message Undeliverable.",
    131047: "Message failed to send because more than 24 hours have passed since the customer last replied to "
    "this number.",
    131056: "Too many messages sent from the sender phone number to the same recipient phone number in a short "
    "period of time.",
}


class ApiError(Exception):
    """An error answer of the fake Graph API (raised inside a handler, turned into the HTTP answer)."""

    def __init__(
        self,
        code: int,
        details: str | None = None,
        status: int = 400,
        message: str | None = None,
        transient: bool | None = None,
        raw_body: str | None = None,
    ):
        self.code = code
        self.details = details if details is not None else DETAILS.get(code)
        self.status = status
        self.message = message or f"(#{code}) {TITLES.get(code, 'Error')}"
        self.transient = transient
        self.raw_body = raw_body  # a non-JSON body (a proxy's 502 page), sent as it is
        super().__init__(f"{status} {self.message}: {self.details}")

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": "OAuthException", "code": self.code}
        if self.details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.transient is not None:
            error["is_transient"] = self.transient
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
        return {"error": error}


def webhook_error(code: int, details: str | None = None) -> dict[str, Any]:
    """The error object inside a failed status (or an `errors` array) of a webhook."""
    title = TITLES.get(code, "Error")
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details if details is not None else DETAILS.get(code, title)},
        "href": ERROR_CODES_URL,
    }


def invalid_parameter(details: str) -> ApiError:
    """131009, the answer to interactive messages over the limits."""
    return ApiError(131009, details)


def param_error(details: str) -> ApiError:
    """Code 100, the answer to malformed or too long plain parameters (text body, upload type)."""
    return ApiError(100, details, message=f"(#100) {details}")

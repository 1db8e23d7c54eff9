"""How times are stored: ISO 8601 text in UTC."""

from datetime import UTC, datetime


def utc_text(moment: datetime) -> str:
    # Always UTC: the stored strings are compared in SQL, which only works with one offset.
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat()

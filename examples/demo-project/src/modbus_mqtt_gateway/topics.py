"""MQTT topic construction and JSON payload encoding."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

# MQTT wildcards and the level separator may not appear inside a single level we build.
_FORBIDDEN = re.compile(r"[+#/\x00]")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_TOPIC_BYTES = 512  # far below the 65535 the protocol allows; keeps broker ACLs readable


class TopicError(ValueError):
    """Raised when a topic cannot be built safely."""


def sanitize_level(level: str) -> str:
    """Turn a free-text name into one safe topic level (no wildcards, no separators)."""
    cleaned = _UNSAFE.sub("-", level.strip()).strip("-").lower()
    if not cleaned:
        raise TopicError(f"topic level {level!r} is empty after sanitising")
    return cleaned


def build_topic(prefix: str, site: str, device: str, point: str) -> str:
    """Build ``<prefix>/<site>/<device>/<point>``.

    The prefix is taken as configured (it may contain ``/``) but must not contain wildcards;
    the other parts are sanitised so a register name can never widen a broker ACL.
    """
    prefix = prefix.strip("/")
    if not prefix or _FORBIDDEN.search(prefix.replace("/", "")):
        raise TopicError(f"topic prefix {prefix!r} is empty or contains wildcards")
    if "//" in prefix:
        raise TopicError(f"topic prefix {prefix!r} has an empty level")
    topic = "/".join([prefix, sanitize_level(site), sanitize_level(device), sanitize_level(point)])
    if len(topic.encode("utf-8")) > MAX_TOPIC_BYTES:
        raise TopicError(f"topic is longer than {MAX_TOPIC_BYTES} bytes")
    return topic


def encode_payload(value: float | int | bool, unit: str = "", *, quality: str = "good",
                   timestamp: datetime | None = None) -> bytes:
    """Encode one sample as compact JSON with a UTC timestamp."""
    if quality not in ("good", "stale", "bad"):
        raise ValueError(f"unknown quality {quality!r}")
    when = timestamp or datetime.now(timezone.utc)
    if when.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    body = {
        "ts": when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "value": value,
        "quality": quality,
    }
    if unit:
        body["unit"] = unit
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")

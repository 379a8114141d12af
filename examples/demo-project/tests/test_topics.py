import json
from datetime import datetime, timezone

import pytest

from modbus_mqtt_gateway.topics import TopicError, build_topic, encode_payload, sanitize_level


def test_build_topic_sanitises_levels():
    topic = build_topic("plant/telemetry", "North Site", "Line 1 PLC", "Tank level")
    assert topic == "plant/telemetry/north-site/line-1-plc/tank-level"


@pytest.mark.parametrize("name", ["a/b", "sensor#1", "tank+level", "nul\x00byte"])
def test_wildcards_never_reach_a_topic(name):
    levels = build_topic("plant", "site", "dev", name).split("/")
    assert len(levels) == 4
    assert not any(char in levels[-1] for char in "+#/\x00")


@pytest.mark.parametrize("name", ["+", "#", "  ", "///"])
def test_level_that_is_only_wildcards_is_rejected(name):
    with pytest.raises(TopicError):
        sanitize_level(name)


@pytest.mark.parametrize("prefix", ["", "plant/#", "plant/+/x", "plant//x"])
def test_bad_prefix_is_rejected(prefix):
    with pytest.raises(TopicError):
        build_topic(prefix, "site", "dev", "point")


def test_payload_is_compact_utc_json():
    when = datetime(2026, 9, 1, 12, 0, 0, tzinfo=timezone.utc)
    body = json.loads(encode_payload(21.5, "degC", timestamp=when))
    assert body == {"ts": "2026-09-01T12:00:00.000Z", "value": 21.5, "quality": "good", "unit": "degC"}


def test_naive_timestamp_is_rejected():
    with pytest.raises(ValueError):
        encode_payload(1, timestamp=datetime(2026, 9, 1, 12, 0, 0))

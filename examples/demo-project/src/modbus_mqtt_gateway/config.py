"""Gateway configuration: a TOML file plus secrets taken from the environment.

Secrets (the MQTT password) are never read from the configuration file, so the file can be
kept in version control and handed to support without leaking credentials.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from modbus_mqtt_gateway.registers import WORDS_PER_TYPE

PASSWORD_ENV = "GATEWAY_MQTT_PASSWORD"
PASSWORD_FILE_ENV = "GATEWAY_MQTT_PASSWORD_FILE"  # e.g. a systemd credential under $CREDENTIALS_DIRECTORY


class ConfigError(ValueError):
    """Raised with a message naming the offending key."""


@dataclass(frozen=True)
class Point:
    name: str
    address: int
    data_type: str = "uint16"
    scale: float = 1.0
    offset: float = 0.0
    unit: str = ""
    word_order: str = "big"

    @property
    def count(self) -> int:
        return WORDS_PER_TYPE[self.data_type]


@dataclass(frozen=True)
class ModbusSource:
    name: str
    host: str
    port: int = 502
    unit_id: int = 1
    timeout_s: float = 3.0
    points: tuple[Point, ...] = ()


@dataclass(frozen=True)
class MqttTarget:
    host: str
    port: int = 8883
    client_id: str = "modbus-mqtt-gateway"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    tls: bool = True
    qos: int = 1
    topic_prefix: str = "plant"


@dataclass(frozen=True)
class GatewayConfig:
    site: str
    poll_interval_s: float
    sources: tuple[ModbusSource, ...]
    mqtt: MqttTarget


def _require(table: dict, key: str, where: str):
    if key not in table:
        raise ConfigError(f"{where}: missing key {key!r}")
    return table[key]


def _port(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
        raise ConfigError(f"{where}: port must be an integer in 1..65535")
    return value


def _point(raw: dict, where: str) -> Point:
    data_type = raw.get("type", "uint16")
    if data_type not in WORDS_PER_TYPE:
        raise ConfigError(f"{where}.type: unsupported data type {data_type!r}")
    address = _require(raw, "address", where)
    if not isinstance(address, int) or not 0 <= address <= 0xFFFF - WORDS_PER_TYPE[data_type] + 1:
        raise ConfigError(f"{where}.address: must be a register number in 0..65535")
    return Point(
        name=str(_require(raw, "name", where)),
        address=address,
        data_type=data_type,
        scale=float(raw.get("scale", 1.0)),
        offset=float(raw.get("offset", 0.0)),
        unit=str(raw.get("unit", "")),
        word_order=raw.get("word_order", "big"),
    )


def _source(raw: dict, where: str) -> ModbusSource:
    host = str(_require(raw, "host", where))
    try:
        ipaddress.ip_address(host)
    except ValueError as exc:
        # PLCs are addressed by IP only: DNS on the control network is an avoidable dependency.
        raise ConfigError(f"{where}.host: PLC address must be a literal IP address") from exc
    unit_id = raw.get("unit_id", 1)
    if not isinstance(unit_id, int) or not 0 <= unit_id <= 247:
        raise ConfigError(f"{where}.unit_id: must be in 0..247")
    points = tuple(_point(p, f"{where}.points[{i}]") for i, p in enumerate(raw.get("points", [])))
    if not points:
        raise ConfigError(f"{where}.points: at least one point is required")
    return ModbusSource(
        name=str(_require(raw, "name", where)),
        host=host,
        port=_port(raw.get("port", 502), f"{where}.port"),
        unit_id=unit_id,
        timeout_s=float(raw.get("timeout_s", 3.0)),
        points=points,
    )


def _password(environ: dict[str, str]) -> str | None:
    if PASSWORD_ENV in environ:
        return environ[PASSWORD_ENV]
    if PASSWORD_FILE_ENV in environ:
        try:
            return Path(environ[PASSWORD_FILE_ENV]).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{PASSWORD_FILE_ENV}: cannot read the password file: {exc.strerror}") from exc
    return None


def _mqtt(raw: dict, environ: dict[str, str]) -> MqttTarget:
    tls = raw.get("tls", True)
    if not tls and not raw.get("allow_plaintext", False):
        raise ConfigError("mqtt.tls: plaintext MQTT needs allow_plaintext = true (lab use only)")
    qos = raw.get("qos", 1)
    if qos not in (0, 1, 2):
        raise ConfigError("mqtt.qos: must be 0, 1 or 2")
    if "password" in raw:
        raise ConfigError(f"mqtt.password: not allowed in the file; set {PASSWORD_ENV} instead")
    return MqttTarget(
        host=str(_require(raw, "host", "mqtt")),
        port=_port(raw.get("port", 8883 if tls else 1883), "mqtt.port"),
        client_id=str(raw.get("client_id", "modbus-mqtt-gateway")),
        username=raw.get("username"),
        password=_password(environ),
        ca_file=raw.get("ca_file"),
        cert_file=raw.get("cert_file"),
        key_file=raw.get("key_file"),
        tls=bool(tls),
        qos=qos,
        topic_prefix=str(raw.get("topic_prefix", "plant")),
    )


def parse_config(data: dict, environ: dict[str, str] | None = None) -> GatewayConfig:
    """Validate an already-parsed TOML document."""
    environ = dict(os.environ) if environ is None else environ
    interval = float(data.get("poll_interval_s", 5.0))
    if not 0.1 <= interval <= 3600:
        raise ConfigError("poll_interval_s: must be between 0.1 and 3600 seconds")
    sources = tuple(_source(s, f"sources[{i}]") for i, s in enumerate(data.get("sources", [])))
    if not sources:
        raise ConfigError("sources: at least one Modbus source is required")
    return GatewayConfig(
        site=str(_require(data, "site", "config")),
        poll_interval_s=interval,
        sources=sources,
        mqtt=_mqtt(_require(data, "mqtt", "config"), environ),
    )


def load_config(path: Path, environ: dict[str, str] | None = None) -> GatewayConfig:
    with path.open("rb") as handle:
        return parse_config(tomllib.load(handle), environ)

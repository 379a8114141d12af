"""Command line entry point: ``modbus-mqtt-gateway --config gateway.toml``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from modbus_mqtt_gateway import __version__
from modbus_mqtt_gateway.bridge import ModbusReader, MqttPublisher
from modbus_mqtt_gateway.config import ConfigError, GatewayConfig, load_config
from modbus_mqtt_gateway.topics import build_topic, encode_payload

log = logging.getLogger("modbus_mqtt_gateway")


def poll_once(config: GatewayConfig, readers: list[ModbusReader], publisher: MqttPublisher) -> int:
    """Read every point once and publish it; returns the number of samples published."""
    published = 0
    for reader in readers:
        for point, value in reader.read_all():
            topic = build_topic(config.mqtt.topic_prefix, config.site, reader.source.name, point.name)
            if value is None:
                publisher.publish(topic, encode_payload(0, point.unit, quality="bad"))
            else:
                publisher.publish(topic, encode_payload(value, point.unit))
            published += 1
    return published


def run(config: GatewayConfig, *, once: bool = False) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    readers = [ModbusReader(source) for source in config.sources]
    publisher = MqttPublisher(config.mqtt)
    publisher.connect()
    try:
        for reader in readers:
            if not reader.connect():
                log.error("cannot reach PLC %s at %s:%d", reader.source.name, reader.source.host,
                          reader.source.port)
        while not stop.is_set():
            count = poll_once(config, readers, publisher)
            log.debug("published %d samples", count)
            if once:
                break
            stop.wait(config.poll_interval_s)
    finally:
        for reader in readers:
            reader.close()
        publisher.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="modbus-mqtt-gateway", description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("/etc/modbus-mqtt-gateway/gateway.toml"))
    parser.add_argument("--once", action="store_true", help="poll once and exit")
    parser.add_argument("--check", action="store_true", help="validate the configuration and exit")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config)
    except (OSError, ConfigError, ValueError) as exc:
        print(f"modbus-mqtt-gateway: invalid configuration {args.config}: {exc}", file=sys.stderr)
        return 2
    if args.check:
        print(f"configuration OK: {len(config.sources)} source(s)")
        return 0
    return run(config, once=args.once)


if __name__ == "__main__":
    sys.exit(main())

"""The I/O side: read points from PLCs over Modbus/TCP and publish them over MQTT.

pymodbus and paho-mqtt are imported lazily inside the functions that need them, so that the
pure modules (and this one) import without the network stack being touched.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator

from modbus_mqtt_gateway.config import ModbusSource, MqttTarget, Point
from modbus_mqtt_gateway.registers import DecodeError, decode

log = logging.getLogger(__name__)


class ModbusReader:
    """Read-only Modbus/TCP client: the gateway never writes to a PLC."""

    def __init__(self, source: ModbusSource) -> None:
        self.source = source
        self._client = None

    def connect(self) -> bool:
        from pymodbus.client import ModbusTcpClient

        self._client = ModbusTcpClient(self.source.host, port=self.source.port,
                                       timeout=self.source.timeout_s, retries=1)
        return bool(self._client.connect())

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def read_point(self, point: Point) -> float | int | None:
        """Return the decoded value, or None if the PLC did not answer properly."""
        if self._client is None:
            raise RuntimeError("connect() first")
        response = self._client.read_holding_registers(point.address, count=point.count,
                                                       slave=self.source.unit_id)
        if response.isError():
            log.warning("%s: read of %s failed: %s", self.source.name, point.name, response)
            return None
        try:
            return decode(response.registers, point.data_type, word_order=point.word_order,
                          scale=point.scale, offset=point.offset)
        except DecodeError as exc:
            log.warning("%s: %s: %s", self.source.name, point.name, exc)
            return None

    def read_all(self) -> Iterator[tuple[Point, float | int | None]]:
        for point in self.source.points:
            yield point, self.read_point(point)


def tls_context(target: MqttTarget) -> ssl.SSLContext:
    """TLS 1.2+ with certificate and host name verification always on."""
    context = ssl.create_default_context(cafile=target.ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if target.cert_file:
        context.load_cert_chain(target.cert_file, target.key_file)
    return context


class MqttPublisher:
    def __init__(self, target: MqttTarget) -> None:
        self.target = target
        self._client = None

    def connect(self) -> None:
        import paho.mqtt.client as mqtt

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.target.client_id)
        if self.target.tls:
            client.tls_set_context(tls_context(self.target))
        else:
            log.warning("MQTT without TLS to %s: allowed for lab use only", self.target.host)
        if self.target.username:
            client.username_pw_set(self.target.username, self.target.password)
        client.reconnect_delay_set(min_delay=1, max_delay=60)
        client.connect(self.target.host, self.target.port, keepalive=30)
        client.loop_start()
        self._client = client

    def publish(self, topic: str, payload: bytes) -> None:
        if self._client is None:
            raise RuntimeError("connect() first")
        self._client.publish(topic, payload, qos=self.target.qos, retain=False)

    def close(self) -> None:
        if self._client is not None:
            self._client.loop_stop()
            self._client.disconnect()
            self._client = None

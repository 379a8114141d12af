"""Modbus/TCP to MQTT edge gateway."""

__version__ = "1.4.0"

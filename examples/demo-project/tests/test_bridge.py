import ast
import ssl
from pathlib import Path

import modbus_mqtt_gateway.bridge as bridge
from modbus_mqtt_gateway.config import MqttTarget

PACKAGE = Path(bridge.__file__).parent


def test_no_modbus_write_calls_anywhere():
    """The gateway is read-only towards PLCs: no write_* client call may exist in the package."""
    for source in PACKAGE.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                assert not node.attr.startswith("write_"), f"{source.name} calls {node.attr}"


def test_tls_context_verifies_certificates():
    context = bridge.tls_context(MqttTarget(host="broker"))
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2


def test_client_certificate_is_loaded(monkeypatch):
    loaded = []

    class FakeContext:
        minimum_version = None

        def load_cert_chain(self, certfile, keyfile=None):
            loaded.append((certfile, keyfile))

    monkeypatch.setattr(bridge.ssl, "create_default_context", lambda cafile=None: FakeContext())
    bridge.tls_context(MqttTarget(host="broker", cert_file="gw.pem", key_file="gw.key"))
    assert loaded == [("gw.pem", "gw.key")]

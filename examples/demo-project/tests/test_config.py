import pytest

from modbus_mqtt_gateway.config import ConfigError, parse_config


def _config(**mqtt):
    return {
        "site": "plant-north",
        "sources": [{"name": "plc", "host": "10.0.0.5", "points": [{"name": "p", "address": 1}]}],
        "mqtt": {"host": "broker", **mqtt},
    }


def test_password_comes_from_environment_only():
    config = parse_config(_config(username="gw"), environ={"GATEWAY_MQTT_PASSWORD": "s3cret"})
    assert config.mqtt.password == "s3cret"
    assert "s3cret" not in repr(config)
    with pytest.raises(ConfigError):
        parse_config(_config(password="in-file"), environ={})


def test_password_file_is_read_when_variable_is_unset(tmp_path):
    secret = tmp_path / "mqtt-password"
    secret.write_text("from-file\n", encoding="utf-8")
    config = parse_config(_config(username="gw"), environ={"GATEWAY_MQTT_PASSWORD_FILE": str(secret)})
    assert config.mqtt.password == "from-file"


def test_plaintext_mqtt_needs_explicit_opt_in():
    with pytest.raises(ConfigError):
        parse_config(_config(tls=False), environ={})
    config = parse_config(_config(tls=False, allow_plaintext=True), environ={})
    assert config.mqtt.port == 1883


def test_plc_host_must_be_an_ip_address():
    data = _config()
    data["sources"][0]["host"] = "plc.example.com"
    with pytest.raises(ConfigError):
        parse_config(data, environ={})


@pytest.mark.parametrize("interval", [0.0, 0.05, 7200])
def test_poll_interval_is_bounded(interval):
    data = _config()
    data["poll_interval_s"] = interval
    with pytest.raises(ConfigError):
        parse_config(data, environ={})


def test_register_address_must_fit_the_data_type():
    data = _config()
    data["sources"][0]["points"][0].update(address=65535, type="float32")
    with pytest.raises(ConfigError):
        parse_config(data, environ={})

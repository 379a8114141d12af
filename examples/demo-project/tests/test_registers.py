import struct

import pytest

from modbus_mqtt_gateway.registers import DecodeError, decode, decode_coils, split_reads, words_to_bytes


def _float_words(value: float) -> list[int]:
    raw = struct.pack(">f", value)
    return [int.from_bytes(raw[0:2], "big"), int.from_bytes(raw[2:4], "big")]


def test_uint16_and_int16():
    assert decode([0xFFFF], "uint16") == 65535
    assert decode([0xFFFF], "int16") == -1


def test_int16_with_scale_and_offset():
    assert decode([215], "int16", scale=0.1) == pytest.approx(21.5)
    assert decode([10], "uint16", scale=2.0, offset=-5.0) == pytest.approx(15.0)


def test_uint32_word_order():
    assert decode([0x0001, 0x0002], "uint32") == 0x00010002
    assert decode([0x0002, 0x0001], "uint32", word_order="little") == 0x00010002


def test_float32_round_trip():
    assert decode(_float_words(42.5), "float32") == pytest.approx(42.5)


def test_float32_nan_is_rejected():
    with pytest.raises(DecodeError):
        decode([0x7FC0, 0x0000], "float32")


@pytest.mark.parametrize("words", [[], [1, 2, 3]])
def test_wrong_register_count(words):
    with pytest.raises(DecodeError):
        decode(words, "uint32")


@pytest.mark.parametrize("bad", [-1, 0x10000, True, 1.5])
def test_out_of_range_words_are_rejected(bad):
    with pytest.raises(DecodeError):
        words_to_bytes([bad])


def test_coils_are_trimmed_to_count():
    assert decode_coils([True, False, True, False, False, False, False, False], 3) == [True, False, True]
    with pytest.raises(DecodeError):
        decode_coils([True], 2)


def test_split_reads_respects_protocol_limit():
    assert split_reads(0, 300) == [(0, 125), (125, 125), (250, 50)]
    with pytest.raises(DecodeError):
        split_reads(65500, 100)

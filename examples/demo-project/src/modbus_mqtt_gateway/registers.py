"""Decoding of raw Modbus register words into engineering values.

Everything here is pure: it takes the 16-bit words a PLC returned and turns them into numbers.
No I/O happens in this module, which keeps it easy to test and safe to fuzz.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

# Number of 16-bit registers each data type occupies.
WORDS_PER_TYPE = {
    "uint16": 1,
    "int16": 1,
    "uint32": 2,
    "int32": 2,
    "float32": 2,
}

_STRUCT_CODES = {
    "uint16": "H",
    "int16": "h",
    "uint32": "I",
    "int32": "i",
    "float32": "f",
}

# The Modbus specification limits one "read holding registers" request to 125 words.
MAX_REGISTERS_PER_READ = 125


class DecodeError(ValueError):
    """Raised when register words cannot be decoded as requested."""


def words_to_bytes(words: Sequence[int], word_order: str = "big") -> bytes:
    """Pack 16-bit register words into big-endian bytes, honouring the word order."""
    if word_order not in ("big", "little"):
        raise DecodeError(f"unknown word order {word_order!r}")
    for word in words:
        if not isinstance(word, int) or isinstance(word, bool) or not 0 <= word <= 0xFFFF:
            raise DecodeError(f"register value {word!r} is not a 16-bit unsigned integer")
    ordered = list(words) if word_order == "big" else list(reversed(words))
    return b"".join(word.to_bytes(2, "big") for word in ordered)


def decode(
    words: Sequence[int],
    data_type: str,
    *,
    word_order: str = "big",
    scale: float = 1.0,
    offset: float = 0.0,
) -> float | int:
    """Decode ``words`` as ``data_type`` and apply ``value * scale + offset``.

    Integer results stay integers when no scaling is configured, so counters are published exactly.
    """
    if data_type not in WORDS_PER_TYPE:
        raise DecodeError(f"unsupported data type {data_type!r}")
    expected = WORDS_PER_TYPE[data_type]
    if len(words) != expected:
        raise DecodeError(f"{data_type} needs {expected} register(s), got {len(words)}")
    raw = words_to_bytes(words, word_order)
    (value,) = struct.unpack(">" + _STRUCT_CODES[data_type], raw)
    if isinstance(value, float) and not math.isfinite(value):
        raise DecodeError(f"{data_type} value is not finite")
    if scale == 1.0 and offset == 0.0:
        return value
    return value * scale + offset


def decode_coils(bits: Sequence[bool], count: int) -> list[bool]:
    """Return the first ``count`` coil states; pymodbus pads coil responses to whole bytes."""
    if count < 0 or count > len(bits):
        raise DecodeError(f"asked for {count} coils but the response holds {len(bits)}")
    return [bool(bit) for bit in bits[:count]]


def split_reads(start: int, count: int, limit: int = MAX_REGISTERS_PER_READ) -> list[tuple[int, int]]:
    """Split a register range into requests no larger than the protocol limit."""
    if start < 0 or count < 1 or start + count > 0x10000:
        raise DecodeError(f"register range {start}+{count} is outside 0..65535")
    chunks = []
    address = start
    remaining = count
    while remaining > 0:
        size = min(remaining, limit)
        chunks.append((address, size))
        address += size
        remaining -= size
    return chunks

"""Forge hostile variants of a well-formed zip, byte by byte, the way an attacker would.

Each function takes the bytes of a zip that ``zipfile`` reads normally and returns bytes that Python's lenient
``zipfile`` still reads as the same archive, while another reader (a streaming extractor walking local headers,
or a tool trusting the 32-bit end record) sees something else.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

_END = struct.Struct("<4sHHHHLLH")
_CENTRAL_FIXED = 46
_LOCAL_FIXED = 30


@dataclass(frozen=True)
class Layout:
    """Where things are in a well-formed zip."""

    directory_offset: int
    directory_size: int
    count: int
    #: name -> (local header offset, offset of its central directory entry)
    entries: dict[str, tuple[int, int]]


def layout(blob: bytes) -> Layout:
    """Locate the central directory and every entry of a zip whose end record ends the file."""
    _sig, _disk, _cd_disk, _on_disk, count, size, offset, _comment = _END.unpack(blob[-_END.size :])
    entries: dict[str, tuple[int, int]] = {}
    position = offset
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        for info in archive.infolist():
            name_length, extra_length, comment_length = struct.unpack_from("<HHH", blob, position + 28)
            entries[info.filename] = (info.header_offset, position)
            position += _CENTRAL_FIXED + name_length + extra_length + comment_length
    return Layout(directory_offset=offset, directory_size=size, count=count, entries=entries)


def local_entry(name: str, data: bytes) -> bytes:
    """Return a stored local header plus data for ``name``."""
    raw = name.encode()
    crc = zlib.crc32(data)
    header = struct.pack("<4sHHHHHLLLHH", b"PK\x03\x04", 20, 0, 0, 0, 0x21, crc, len(data), len(data), len(raw), 0)
    return header + raw + data


def _end_record(count: int, size: int, offset: int, comment: bytes = b"") -> bytes:
    return _END.pack(b"PK\x05\x06", 0, 0, count, count, size, offset, len(comment)) + comment


def prepend(blob: bytes, data: bytes) -> bytes:
    """Put bytes (here: a forged local entry) before the first entry."""
    return data + blob


def append(blob: bytes, data: bytes) -> bytes:
    """Put bytes after the end record."""
    return blob + data


def with_comment(blob: bytes, comment: bytes) -> bytes:
    """Give the end record a comment."""
    where = layout(blob)
    return blob[: -_END.size] + _end_record(where.count, where.directory_size, where.directory_offset, comment)


def hidden_local_entry(blob: bytes, name: str, data: bytes) -> bytes:
    """Insert a local entry the central directory does not list, between the last entry and the directory."""
    where = layout(blob)
    forged = local_entry(name, data)
    directory = blob[where.directory_offset : where.directory_offset + where.directory_size]
    return (
        blob[: where.directory_offset]
        + forged
        + directory
        + _end_record(where.count, where.directory_size, where.directory_offset + len(forged))
    )


def second_directory_behind_zip64(blob: bytes, name: str, data: bytes) -> bytes:
    """Add a forged entry and a second central directory listing it in place of ``name``.

    The 32-bit end record points at the forged directory; a ZIP64 end record and locator point at the real
    one, which is what Python's zipfile takes.
    """
    where = layout(blob)
    forged_local = local_entry(name, data)
    forged_offset = where.directory_offset
    real_directory = blob[where.directory_offset : where.directory_offset + where.directory_size]
    forged_directory = bytearray(real_directory)
    entry_at = where.entries[name][1] - where.directory_offset
    struct.pack_into("<H", forged_directory, entry_at + 10, 0)  # stored
    struct.pack_into("<LLL", forged_directory, entry_at + 16, zlib.crc32(data), len(data), len(data))
    struct.pack_into("<L", forged_directory, entry_at + 42, forged_offset)
    forged_directory_at = where.directory_offset + len(forged_local)
    real_directory_at = forged_directory_at + len(forged_directory)
    zip64_at = real_directory_at + len(real_directory)
    zip64_end = struct.pack(
        "<4sQHHLLQQQQ",
        b"PK\x06\x06",
        44,
        45,
        45,
        0,
        0,
        where.count,
        where.count,
        len(real_directory),
        real_directory_at,
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, zip64_at, 1)
    return (
        blob[: where.directory_offset]
        + forged_local
        + bytes(forged_directory)
        + real_directory
        + zip64_end
        + locator
        + _end_record(where.count, len(forged_directory), forged_directory_at)
    )


def needless_zip64(blob: bytes) -> bytes:
    """Add ZIP64 end records (and sentinel values in the end record) to an archive that does not need them."""
    where = layout(blob)
    zip64_at = where.directory_offset + where.directory_size
    zip64_end = struct.pack(
        "<4sQHHLLQQQQ",
        b"PK\x06\x06",
        44,
        45,
        45,
        0,
        0,
        where.count,
        where.count,
        where.directory_size,
        where.directory_offset,
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, zip64_at, 1)
    end = _END.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return blob[:zip64_at] + zip64_end + locator + end


def duplicate_central_entry(blob: bytes, name: str) -> bytes:
    """List ``name`` twice in the central directory, both pointing at its one local header."""
    where = layout(blob)
    start = where.entries[name][1]
    name_length, extra_length, comment_length = struct.unpack_from("<HHH", blob, start + 28)
    entry = blob[start : start + _CENTRAL_FIXED + name_length + extra_length + comment_length]
    directory = blob[where.directory_offset : where.directory_offset + where.directory_size] + entry
    return (
        blob[: where.directory_offset]
        + directory
        + _end_record(where.count + 1, len(directory), where.directory_offset)
    )


#: Offsets of fields in a local header, by name.
LOCAL_FIELDS = {
    "flags": (6, "<H"),
    "method": (8, "<H"),
    "crc": (14, "<L"),
    "compressed": (18, "<L"),
    "size": (22, "<L"),
}


def patch_local(blob: bytes, name: str, field: str, value: int) -> bytes:
    """Change one field of ``name``'s local header, leaving the central directory as it was."""
    offset, fmt = LOCAL_FIELDS[field]
    patched = bytearray(blob)
    struct.pack_into(fmt, patched, layout(blob).entries[name][0] + offset, value)
    return bytes(patched)


def patch_flags_everywhere(blob: bytes, name: str, flags: int) -> bytes:
    """Set the same flag bits on ``name``'s local header and central entry (they still agree)."""
    where = layout(blob)
    local_at, central_at = where.entries[name]
    patched = bytearray(blob)
    struct.pack_into("<H", patched, local_at + 6, flags)
    struct.pack_into("<H", patched, central_at + 8, flags)
    return bytes(patched)

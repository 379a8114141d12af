"""Strict structural validation of a bundle zip: every byte accounted for, so every reader sees the same entries.

Zip readers disagree on hostile archives. Python's ``zipfile`` finds the end record by searching backwards,
tolerates bytes before the first entry and ignores anything the central directory does not reference;
streaming extractors (``bsdtar`` reading a pipe, ``unzip -`` style tools) walk local headers from the front
and never look at the central directory. A bundle that the verifier reads one way and a lab's tool extracts
another way would let a forged ``report.html`` or ``assessment.json`` ride along with a valid signature.

So verification accepts only the layout :class:`~sdl_gate.bundle.zipfmt.DeterministicZip` writes: the first
local header at offset 0; each local header followed by its data and then the next header (no data
descriptors, no gaps); the central directory immediately after the last entry, listing the entries in file
order, one to one, agreeing with each local header; ZIP64 end records only when the sizes need them; and
exactly one end record, without a comment, ending the file.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import IO

from sdl_gate.bundle import zipfmt
from sdl_gate.bundle.zipfmt import UnsafeArchive, safe_name_problem

LOCAL_SIGNATURE = b"PK\x03\x04"
CENTRAL_SIGNATURE = b"PK\x01\x02"
END_SIGNATURE = b"PK\x05\x06"
ZIP64_END_SIGNATURE = b"PK\x06\x06"
ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"

_LOCAL = struct.Struct("<4sHHHHHLLLHH")  # 30 bytes
_CENTRAL = struct.Struct("<4sHHHHHHLLLHHHHHLL")  # 46 bytes
_END = struct.Struct("<4sHHHHLLH")  # 22 bytes
_ZIP64_END = struct.Struct("<4sQHHLLQQQQ")  # 56 bytes
_ZIP64_LOCATOR = struct.Struct("<4sLQL")  # 20 bytes

ZIP64_EXTRA_ID = 0x0001
#: The 32-bit fields that say "the value is in the ZIP64 extra field / record".
U32_SENTINEL = 0xFFFFFFFF
U16_SENTINEL = 0xFFFF
#: Python's zipfile (which DeterministicZip uses) writes ZIP64 end records only past these limits.
ZIP64_COUNT_LIMIT = (1 << 16) - 1
ZIP64_SIZE_LIMIT = (1 << 31) - 1
#: Flag bits a bundle entry may carry: only "the name is UTF-8". Encryption (bit 0), data descriptors
#: (bit 3) and everything else are refused.
UTF8_FLAG = 0x800
ALLOWED_FLAGS = UTF8_FLAG
ALLOWED_METHODS = (0, 8)  # stored, deflated
#: A central directory larger than this is refused before it is read into memory.
MAX_CENTRAL_DIRECTORY_BYTES = 256 * 1024 * 1024


class MalformedArchive(UnsafeArchive):
    """The archive's layout is not exactly one well-formed zip; the message names the place and the problem."""


@dataclass(frozen=True)
class StrictEntry:
    """One entry as the central directory and its local header agree on it."""

    name: str
    offset: int
    method: int
    flags: int
    crc: int
    compressed_size: int
    size: int


def _fail(message: str) -> MalformedArchive:
    return MalformedArchive(f"not a well-formed bundle zip: {message}")


def _read_at(handle: IO[bytes], offset: int, length: int, what: str) -> bytes:
    handle.seek(offset)
    data = handle.read(length)
    if len(data) != length:
        raise _fail(f"{what} at offset {offset} runs past the end of the file")
    return data


def _decode_name(raw: bytes, flags: int, offset: int) -> str:
    """Decode a name as zipfile does (UTF-8 when flagged, else cp437), refusing unsafe names."""
    try:
        name = raw.decode("utf-8") if flags & UTF8_FLAG else raw.decode("cp437")
    except UnicodeDecodeError:
        raise _fail(f"the entry name at offset {offset} is flagged UTF-8 but is not") from None
    problem = safe_name_problem(name)
    if problem is not None:
        raise UnsafeArchive(f"entry {name!r}: {problem}")
    return name


@dataclass(frozen=True)
class _Sizes:
    size: int
    compressed_size: int
    offset: int


def _zip64_extra(extra: bytes, fields: tuple[int, int, int], *, local: bool, name: str) -> _Sizes:
    """Resolve sizes (and the header offset) from the ZIP64 extra field; refuse any other extra field.

    ``fields`` are the 32-bit header values (size, compressed size, offset); the extra field holds, in that
    order, exactly the ones set to the sentinel. A local header holds both sizes or neither.
    """
    size, compressed, offset = fields
    wanted = [value == U32_SENTINEL for value in fields]
    if local and (wanted[0] or wanted[1]) and not (wanted[0] and wanted[1]):
        raise _fail(f"entry {name!r}: its local header gives only one of its sizes in the ZIP64 field")
    if not extra:
        if any(wanted):
            raise _fail(f"entry {name!r}: a size or offset is 0xFFFFFFFF but there is no ZIP64 field")
        return _Sizes(size, compressed, offset)
    if len(extra) < 4:
        raise _fail(f"entry {name!r}: truncated extra field")
    header_id, length = struct.unpack_from("<HH", extra)
    if header_id != ZIP64_EXTRA_ID:
        raise _fail(f"entry {name!r}: extra field 0x{header_id:04x} (bundles carry none but ZIP64)")
    count = sum(wanted)
    if length != 8 * count or len(extra) != 4 + length or count == 0:
        raise _fail(f"entry {name!r}: its ZIP64 field does not hold exactly the values its header defers to it")
    values = list(struct.unpack_from(f"<{count}Q", extra, 4))
    resolved = [values.pop(0) if flag else value for flag, value in zip(wanted, fields, strict=True)]
    return _Sizes(resolved[0], resolved[1], resolved[2])


@dataclass(frozen=True)
class _Directory:
    offset: int
    size: int
    count: int
    end: int  # where the end records start (the ZIP64 end record, or the end record)


def _end_records(handle: IO[bytes], file_size: int) -> _Directory:
    """Read the end record (and ZIP64 records when the sizes need them); they must end the file exactly."""
    if file_size < _END.size:
        raise _fail("too short to hold an end-of-central-directory record")
    end_at = file_size - _END.size
    signature, disk, directory_disk, on_disk, count, size, offset, comment = _END.unpack(
        _read_at(handle, end_at, _END.size, "the end record")
    )
    if signature != END_SIGNATURE:
        raise _fail("the file does not end with the end-of-central-directory record (trailing bytes or a comment)")
    if comment:
        raise _fail(f"the end record carries a {comment}-byte comment")
    if disk or directory_disk or on_disk != count:
        raise _fail("the end record describes a multi-disk archive")
    if offset + size == end_at:
        if count > ZIP64_COUNT_LIMIT or offset > ZIP64_SIZE_LIMIT or size > ZIP64_SIZE_LIMIT:
            raise _fail("the end record's values need ZIP64 end records, which are missing")
        locator_at = end_at - _ZIP64_LOCATOR.size
        if locator_at >= 0 and _read_at(handle, locator_at, 4, "the end records") == ZIP64_LOCATOR_SIGNATURE:
            # Python's zipfile would take the ZIP64 record this seems to announce: two readings, refused.
            raise _fail("a ZIP64 locator precedes an end record that needs none")
        return _Directory(offset=offset, size=size, count=count, end=end_at)
    return _zip64_end_records(handle, end_at, (count, size, offset))


def _zip64_end_records(handle: IO[bytes], end_at: int, fields: tuple[int, int, int]) -> _Directory:
    locator_at = end_at - _ZIP64_LOCATOR.size
    record_at = locator_at - _ZIP64_END.size
    if record_at < 0:
        raise _fail("the central directory is not where the end record says it is")
    signature, disk, record_offset, disks = _ZIP64_LOCATOR.unpack(
        _read_at(handle, locator_at, _ZIP64_LOCATOR.size, "the ZIP64 locator")
    )
    if signature != ZIP64_LOCATOR_SIGNATURE:
        raise _fail(
            "the central directory is not where the end record says it is (bytes before the first entry, "
            "between the entries and the central directory, or a second central directory)"
        )
    if disk or disks != 1 or record_offset != record_at:
        raise _fail("the ZIP64 locator does not point at the ZIP64 end record just before it")
    (signature, record_size, _made_by, _needed, disk, directory_disk, on_disk, count, size, offset) = _ZIP64_END.unpack(
        _read_at(handle, record_at, _ZIP64_END.size, "the ZIP64 end record")
    )
    if signature != ZIP64_END_SIGNATURE or record_size != _ZIP64_END.size - 12:
        raise _fail("malformed ZIP64 end record")
    if disk or directory_disk or on_disk != count:
        raise _fail("the ZIP64 end record describes a multi-disk archive")
    if offset + size != record_at:
        raise _fail("the central directory is not immediately before the ZIP64 end record")
    if not (count > ZIP64_COUNT_LIMIT or offset > ZIP64_SIZE_LIMIT or size > ZIP64_SIZE_LIMIT):
        raise _fail("ZIP64 end records for an archive that does not need them")
    expected = (min(count, U16_SENTINEL), min(size, U32_SENTINEL), min(offset, U32_SENTINEL))
    if fields != expected:
        # A reader that ignores ZIP64 records must find the same directory or the sentinel values, nothing else.
        raise _fail("the end record and the ZIP64 end record describe different central directories")
    return _Directory(offset=offset, size=size, count=count, end=record_at)


@dataclass(frozen=True)
class _Central:
    name: str
    raw_name: bytes
    flags: int
    method: int
    time: int
    date: int
    crc: int
    sizes: _Sizes


def _central_directory(handle: IO[bytes], directory: _Directory) -> list[_Central]:
    if directory.count > zipfmt.MAX_ENTRIES:
        raise UnsafeArchive(f"{directory.count} entries, more than the {zipfmt.MAX_ENTRIES} allowed")
    if directory.size > MAX_CENTRAL_DIRECTORY_BYTES:
        raise UnsafeArchive(f"a central directory of {directory.size} bytes is larger than allowed")
    data = _read_at(handle, directory.offset, directory.size, "the central directory")
    entries: list[_Central] = []
    position = 0
    for index in range(directory.count):
        where = directory.offset + position
        if position + _CENTRAL.size > len(data):
            raise _fail(f"central directory entry {index + 1} at offset {where} is truncated")
        (
            signature,
            _made_by,
            _needed,
            flags,
            method,
            time,
            date,
            crc,
            compressed,
            size,
            name_length,
            extra_length,
            comment_length,
            disk,
            _internal,
            _external,
            offset,
        ) = _CENTRAL.unpack_from(data, position)
        if signature != CENTRAL_SIGNATURE:
            raise _fail(f"no central directory entry at offset {where}")
        end = position + _CENTRAL.size + name_length + extra_length + comment_length
        if end > len(data):
            raise _fail(f"central directory entry {index + 1} at offset {where} runs past the directory")
        raw_name = data[position + _CENTRAL.size : position + _CENTRAL.size + name_length]
        name = _decode_name(raw_name, flags, where)
        if comment_length:
            raise _fail(f"entry {name!r} carries a comment")
        if disk and disk != U16_SENTINEL:
            raise _fail(f"entry {name!r} is on another disk")
        extra = data[position + _CENTRAL.size + name_length : end - comment_length]
        sizes = _zip64_extra(extra, (size, compressed, offset), local=False, name=name)
        entries.append(_Central(name, raw_name, flags, method, time, date, crc, sizes))
        position = end
    if position != len(data):
        raise _fail(f"{len(data) - position} bytes in the central directory after its last listed entry")
    return entries


def _check_entry_fields(central: _Central) -> None:
    name = central.name
    if central.flags & ~ALLOWED_FLAGS:
        raise _fail(f"entry {name!r} has flags 0x{central.flags:04x} (encryption, data descriptor or unknown)")
    if central.method not in ALLOWED_METHODS:
        raise _fail(f"entry {name!r} uses compression method {central.method}")


def _local_entry(handle: IO[bytes], central: _Central, position: int) -> int:
    """Check the local header at ``position`` against its central entry; return where the next entry starts."""
    name = central.name
    if central.sizes.offset != position:
        raise _fail(
            f"entry {name!r} starts at offset {central.sizes.offset}, expected {position} "
            "(bytes before it that no entry accounts for, or entries out of order)"
        )
    (
        signature,
        _needed,
        flags,
        method,
        time,
        date,
        crc,
        compressed,
        size,
        name_length,
        extra_length,
    ) = _LOCAL.unpack(_read_at(handle, position, _LOCAL.size, f"the local header of {name!r}"))
    if signature != LOCAL_SIGNATURE:
        raise _fail(f"no local header for {name!r} at offset {position}")
    variable = _read_at(handle, position + _LOCAL.size, name_length + extra_length, f"the local header of {name!r}")
    if variable[:name_length] != central.raw_name:
        raise _fail(f"the local header at offset {position} names another file than the central entry {name!r}")
    sizes = _zip64_extra(variable[name_length:], (size, compressed, 0), local=True, name=name)
    disagree = [
        label
        for label, ours, theirs in (
            ("flags", flags, central.flags),
            ("compression method", method, central.method),
            ("time", (date, time), (central.date, central.time)),
            ("crc", crc, central.crc),
            ("size", sizes.size, central.sizes.size),
            ("compressed size", sizes.compressed_size, central.sizes.compressed_size),
        )
        if ours != theirs
    ]
    if disagree:
        raise _fail(f"the local header of {name!r} disagrees with the central directory on {', '.join(disagree)}")
    header_length: int = _LOCAL.size + name_length + extra_length
    return position + header_length + sizes.compressed_size


def check_layout(handle: IO[bytes]) -> list[StrictEntry]:
    """Walk the whole file and return its entries in order; UnsafeArchive unless every byte is accounted for."""
    handle.seek(0, 2)
    file_size = handle.tell()
    directory = _end_records(handle, file_size)
    centrals = _central_directory(handle, directory)
    seen: set[str] = set()
    position = 0
    entries: list[StrictEntry] = []
    for central in centrals:
        if central.name in seen:
            raise UnsafeArchive(f"entry {central.name!r} appears more than once")
        seen.add(central.name)
        _check_entry_fields(central)
        start = position
        position = _local_entry(handle, central, position)
        if position > directory.offset:
            raise _fail(f"the data of {central.name!r} runs into the central directory")
        entries.append(
            StrictEntry(
                name=central.name,
                offset=start,
                method=central.method,
                flags=central.flags,
                crc=central.crc,
                compressed_size=central.sizes.compressed_size,
                size=central.sizes.size,
            )
        )
    if position != directory.offset:
        raise _fail(
            f"{directory.offset - position} bytes between the last entry and the central directory that no "
            "entry accounts for (a hidden local entry?)"
        )
    return entries

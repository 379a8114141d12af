"""The strict zip layout check: every byte of a bundle accounted for, or the archive is refused."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest

from sdl_gate.bundle.zipfmt import DeterministicZip, UnsafeArchive
from sdl_gate.bundle.zipstrict import MalformedArchive, check_layout
from tests import zipforge

ENTRIES = {
    "assessment.json": b'{"decision": "passed"}\n' * 40,
    "manifest.json": b'{"subject": []}\n',
    "report.html": b"<!DOCTYPE html><p>the real report</p>\n" * 20,
}


def _bundle_like() -> bytes:
    """A small zip written exactly as bundles are."""
    buffer = io.BytesIO()
    archive = DeterministicZip(buffer)
    for name in sorted(ENTRIES):
        archive.add_bytes(name, ENTRIES[name])
    archive.close()
    return buffer.getvalue()


def _zipfile_reads(blob: bytes) -> dict[str, bytes]:
    """What Python's lenient zipfile reads from the bytes (the reader verification used on its own)."""
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _check(blob: bytes) -> list[str]:
    return [entry.name for entry in check_layout(io.BytesIO(blob))]


def test_a_bundle_as_written_passes_and_lists_its_entries_in_file_order() -> None:
    blob = _bundle_like()
    entries = check_layout(io.BytesIO(blob))
    assert [e.name for e in entries] == sorted(ENTRIES)
    assert entries[0].offset == 0
    assert [e.size for e in entries] == [len(ENTRIES[n]) for n in sorted(ENTRIES)]


def test_zips_that_zipfile_writes_pass_including_zip64_local_fields() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", b"alpha")
        archive.writestr(zipfile.ZipInfo("b.txt"), b"beta", compress_type=zipfile.ZIP_DEFLATED)
        with archive.open(zipfile.ZipInfo("c.bin"), "w", force_zip64=True) as out:
            out.write(b"\0" * 1000)
        archive.writestr("d/é.txt", b"utf-8 name")
    assert _check(buffer.getvalue()) == ["a.txt", "b.txt", "c.bin", "d/é.txt"]


def test_an_empty_archive_passes() -> None:
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    assert _check(buffer.getvalue()) == []


FORGED = b"<!DOCTYPE html><p>forged: every requirement satisfied</p>\n"

VARIANTS: dict[str, Callable[[bytes], bytes]] = {
    "prepended forged entry": lambda b: zipforge.prepend(b, zipforge.local_entry("report.html", FORGED)),
    "prepended junk": lambda b: zipforge.prepend(b, b"MZ\x90\x00" * 8),
    "trailing junk": lambda b: zipforge.append(b, b"\0" * 64),
    "trailing forged entry": lambda b: zipforge.append(b, zipforge.local_entry("report.html", FORGED)),
    "hidden local entry": lambda b: zipforge.hidden_local_entry(b, "report.html", FORGED),
    "hidden local assessment": lambda b: zipforge.hidden_local_entry(b, "assessment.json", b'{"forged": 1}'),
    "second directory behind zip64": lambda b: zipforge.second_directory_behind_zip64(b, "report.html", FORGED),
    "needless zip64 end records": zipforge.needless_zip64,
    "zip comment": lambda b: zipforge.with_comment(b, b"see report.html"),
    "local crc differs": lambda b: zipforge.patch_local(b, "report.html", "crc", 0x12345678),
    "local compressed size differs": lambda b: zipforge.patch_local(b, "report.html", "compressed", 7),
    "local size differs": lambda b: zipforge.patch_local(b, "manifest.json", "size", 1),
    "local method differs": lambda b: zipforge.patch_local(b, "report.html", "method", 0),
    "local flags differ": lambda b: zipforge.patch_local(b, "report.html", "flags", 0x800),
    "data descriptor flag": lambda b: zipforge.patch_flags_everywhere(b, "report.html", 0x08),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_forged_layouts_that_zipfile_accepts_are_refused(variant: str) -> None:
    forged = VARIANTS[variant](_bundle_like())
    # The forgery is one Python's zipfile reads without complaint, as the same three entries...
    assert sorted(_zipfile_reads(forged)) == sorted(ENTRIES)
    # ...and the strict check refuses it.
    with pytest.raises(MalformedArchive, match="not a well-formed bundle zip"):
        check_layout(io.BytesIO(forged))


def test_duplicate_central_entries_are_refused_by_name() -> None:
    forged = zipforge.duplicate_central_entry(_bundle_like(), "report.html")
    with pytest.raises(UnsafeArchive, match=r"'report\.html' appears more than once"):
        check_layout(io.BytesIO(forged))


@pytest.mark.parametrize(
    ("name", "problem"),
    [("../report.html", "'..' or '.' path segment"), ("/etc/passwd", "absolute path"), ("a\\b", "backslash")],
)
def test_unsafe_names_are_refused(name: str, problem: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, b"x")
    with pytest.raises(UnsafeArchive, match=problem):
        check_layout(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize("cut", [1, 21, 22, 100])
def test_truncated_archives_are_refused(cut: int) -> None:
    with pytest.raises(MalformedArchive):
        check_layout(io.BytesIO(_bundle_like()[:-cut]))


def test_garbage_is_refused() -> None:
    with pytest.raises(MalformedArchive):
        check_layout(io.BytesIO(b"hello"))
    with pytest.raises(MalformedArchive):
        check_layout(io.BytesIO(b"PK\x05\x06" + b"\xff" * 18))


@pytest.mark.slow
def test_an_archive_that_needs_zip64_end_records_passes() -> None:
    buffer = io.BytesIO()
    archive = DeterministicZip(buffer)
    count = 0x10000 + 5  # more entries than the 16-bit count holds
    for index in range(count):
        archive.add_bytes(f"e/{index:06d}", b"")
    archive.close()
    blob = buffer.getvalue()
    assert b"PK\x06\x06" in blob[-200:]
    assert len(check_layout(io.BytesIO(blob))) == count
    # The same archive with its 32-bit end record pointing somewhere else is two archives: refused.
    tampered = bytearray(blob)
    tampered[-6:-2] = (1234).to_bytes(4, "little")
    with pytest.raises(MalformedArchive, match="describe different central directories"):
        check_layout(io.BytesIO(bytes(tampered)))

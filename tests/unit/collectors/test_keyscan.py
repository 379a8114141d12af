"""The private-key scan finds keys by content: DER, PKCS#12, PuTTY, UTF-16/32 text, anywhere in a large file."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import struct
import subprocess
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from sdl_gate._cache import write_entry
from sdl_gate.collectors import keyscan
from sdl_gate.collectors.keyscan import CHUNK_BYTES, KeyHit, scan_files

ENCODING_DER = serialization.Encoding.DER
PKCS8 = serialization.PrivateFormat.PKCS8
TRADITIONAL = serialization.PrivateFormat.TraditionalOpenSSL
PLAIN = serialization.NoEncryption()
PASSWORD = serialization.BestAvailableEncryption(b"correct horse")
SUBJECT_PUBLIC_KEY_INFO = serialization.PublicFormat.SubjectPublicKeyInfo
# Key headers are assembled at run time: written out here, they would make this file a key to the scan.
PUTTY_HEADER = "PuTTY-User-Key-File" + "-3: "
SSH2_BEGIN = "---- BEGIN SSH2 ENCRYPTED" + " PRIVATE KEY ----"


def _ec() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, PKCS8, PLAIN).decode("ascii")


def _scan(tmp_path: Path, name: str, data: bytes) -> list[KeyHit]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    result = scan_files(tmp_path, [name])
    assert result.complete and result.files_scanned == 1
    return list(result.hits)


def _only(hits: list[KeyHit]) -> tuple[str, bool | None]:
    assert len(hits) == 1, hits
    return hits[0].key_type, hits[0].encrypted


def _certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


# --- DER keys, by content whatever the file is called -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "encrypted"),
    [
        ("deploy/signing.bin", lambda: _ec().private_bytes(ENCODING_DER, PKCS8, PLAIN), False),
        ("keys/ec", lambda: _ec().private_bytes(ENCODING_DER, TRADITIONAL, PLAIN), False),  # SEC1
        (
            "config/server.dat",
            lambda: rsa.generate_private_key(65537, 2048).private_bytes(ENCODING_DER, TRADITIONAL, PLAIN),
            False,
        ),  # PKCS#1
        ("dsa.raw", lambda: dsa.generate_private_key(2048).private_bytes(ENCODING_DER, PKCS8, PLAIN), False),
        ("ed25519", lambda: ed25519.Ed25519PrivateKey.generate().private_bytes(ENCODING_DER, PKCS8, PLAIN), False),
        ("backup.enc", lambda: _ec().private_bytes(ENCODING_DER, PKCS8, PASSWORD), True),  # encrypted PKCS#8
    ],
    ids=["pkcs8", "sec1", "pkcs1-rsa", "dsa", "ed25519", "encrypted-pkcs8"],
)
def test_der_private_keys_are_found_by_content(tmp_path: Path, name: str, make: object, encrypted: bool) -> None:
    assert callable(make)
    assert _only(_scan(tmp_path, name, make())) == ("DER PRIVATE KEY", encrypted)


def test_der_from_openssl_is_found(tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    out = tmp_path / "openssl-key"
    subprocess.run(
        [openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-outform", "DER", "-out", out],
        check=True,
        capture_output=True,
    )
    assert _only(list(scan_files(tmp_path, ["openssl-key"]).hits)) == ("DER PRIVATE KEY", False)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("cert.der", lambda key: _certificate(key).public_bytes(ENCODING_DER)),
        (
            "public.der",
            lambda key: key.public_key().public_bytes(ENCODING_DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        ),
        ("zeros", lambda key: b"0" * 300),  # starts like a SEQUENCE, is text
        ("random.key", lambda key: b"\x30\x82 not a key"),
    ],
)
def test_public_material_and_lookalikes_are_not_keys(tmp_path: Path, name: str, make: object) -> None:
    assert callable(make)
    assert _scan(tmp_path, name, make(_ec())) == []


# --- PKCS#12 stores: by extension and by structure -------------------------------------------------------


@pytest.mark.parametrize("protection", [PASSWORD, PLAIN], ids=["password", "no-password"])
@pytest.mark.parametrize("name", ["release.p12", "STORE.PFX", "keystore", "ci/credentials.bin"])
def test_pkcs12_stores_are_found_by_name_and_by_structure(
    tmp_path: Path, name: str, protection: serialization.KeySerializationEncryption
) -> None:
    key = _ec()
    data = pkcs12.serialize_key_and_certificates(b"release", key, _certificate(key), None, protection)
    assert _only(_scan(tmp_path, name, data)) == ("PKCS#12 KEY STORE", None)


def test_pkcs12_from_openssl_is_found_by_structure(tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    key = _ec()
    (tmp_path / "key.pem").write_text(_pem(key))
    (tmp_path / "cert.pem").write_bytes(_certificate(key).public_bytes(serialization.Encoding.PEM))
    subprocess.run(
        [openssl, "pkcs12", "-export", "-inkey", "key.pem", "-in", "cert.pem", "-out", "bundle", "-passout", "pass:x"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    assert ("bundle", "PKCS#12 KEY STORE") in {(h.path, h.key_type) for h in scan_files(tmp_path, ["bundle"]).hits}


# --- PuTTY .ppk ----------------------------------------------------------------------------------------------


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _mpint(value: int) -> bytes:
    return _ssh_string(value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _ppk_v3(key: rsa.RSAPrivateKey, comment: str = "rsa-key-20260101") -> str:
    """An unencrypted PPK v3 file, written to PuTTY's published format (manual, appendix C)."""
    numbers = key.private_numbers()
    public = _ssh_string(b"ssh-rsa") + _mpint(numbers.public_numbers.e) + _mpint(numbers.public_numbers.n)
    private = _mpint(numbers.d) + _mpint(numbers.p) + _mpint(numbers.q) + _mpint(numbers.iqmp)
    mac_input = b"".join(_ssh_string(part) for part in (b"ssh-rsa", b"none", comment.encode(), public, private))
    mac = hmac.new(b"", mac_input, hashlib.sha256).hexdigest()  # v3, unencrypted: the MAC key is empty

    def lines(blob: bytes) -> list[str]:
        text = base64.b64encode(blob).decode("ascii")
        return [text[i : i + 64] for i in range(0, len(text), 64)]

    public_lines, private_lines = lines(public), lines(private)
    return "\n".join(
        [
            f"{PUTTY_HEADER}ssh-rsa",
            "Encryption: none",
            f"Comment: {comment}",
            f"Public-Lines: {len(public_lines)}",
            *public_lines,
            f"Private-Lines: {len(private_lines)}",
            *private_lines,
            f"Private-MAC: {mac}",
            "",
        ]
    )


def test_putty_keys_are_found_with_their_protection(tmp_path: Path) -> None:
    plain = _ppk_v3(rsa.generate_private_key(65537, 2048))
    assert _only(_scan(tmp_path, "id.ppk", plain.encode())) == ("PUTTY PRIVATE KEY v3 ssh-rsa", False)
    encrypted = plain.replace("Encryption: none", "Encryption: aes256-cbc\nKey-Derivation: Argon2id")
    assert _only(_scan(tmp_path, "deploy", encrypted.encode())) == ("PUTTY PRIVATE KEY v3 ssh-rsa", True)
    v2_crlf = plain.replace("File-3", "File-2").replace("\n", "\r\n")
    assert _only(_scan(tmp_path, "old.ppk", v2_crlf.encode())) == ("PUTTY PRIVATE KEY v2 ssh-rsa", False)


def test_puttygen_output_is_found(tmp_path: Path) -> None:
    puttygen = shutil.which("puttygen")
    if puttygen is None:
        pytest.skip("puttygen is not installed (the hand-built PPK test covers the format)")
    subprocess.run([puttygen, "-t", "ed25519", "-o", tmp_path / "key.ppk", "--new-passphrase", "/dev/null"], check=True)
    assert scan_files(tmp_path, ["key.ppk"]).hits[0].key_type.startswith("PUTTY PRIVATE KEY v3")


# --- Key text in UTF-16 and UTF-32, and anywhere in a large file --------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "label"),
    [
        ("utf-16", "UTF-16"),  # with a BOM, as Windows PowerShell's Out-File writes
        ("utf-16-le", "UTF-16"),
        ("utf-16-be", "UTF-16"),
        ("utf-32", "UTF-32"),
        ("utf-32-be", "UTF-32"),
    ],
)
def test_pem_in_wide_unicode_encodings_is_found(tmp_path: Path, encoding: str, label: str) -> None:
    text = "# exported from the HSM test bench\r\n" + _pem(_ec()).replace("\n", "\r\n")
    assert _only(_scan(tmp_path, "key.txt", text.encode(encoding))) == (f"PRIVATE KEY ({label} text)", False)


def test_encrypted_traditional_pem_in_utf16_keeps_its_protection(tmp_path: Path) -> None:
    pem = _ec().private_bytes(serialization.Encoding.PEM, TRADITIONAL, PASSWORD).decode("ascii")
    assert _only(_scan(tmp_path, "ec.pem", pem.encode("utf-16"))) == ("EC PRIVATE KEY (UTF-16 text)", True)


@pytest.mark.parametrize(
    "padding",
    [
        b" " * (CHUNK_BYTES + 5),  # text padding past the first chunk
        os.urandom(3 * CHUNK_BYTES),  # binary padding: the key is appended to a blob
        b"x" * (CHUNK_BYTES - 20),  # the key's first line straddles two chunks
        b"y" * (CHUNK_BYTES - 120),  # the line fits, its Proc-Type does not
    ],
    ids=["text-padding", "binary-padding", "split-header", "split-lookahead"],
)
def test_a_key_behind_a_mebibyte_of_padding_is_found(tmp_path: Path, padding: bytes) -> None:
    key = _ec().private_bytes(serialization.Encoding.PEM, TRADITIONAL, PASSWORD)
    assert _only(_scan(tmp_path, "data/blob.bin", padding + key + b"\ntrailer\n")) == ("EC PRIVATE KEY", True)


def test_every_key_of_a_large_file_is_found_once(tmp_path: Path) -> None:
    keys = [_pem(_ec()).encode() for _ in range(3)]
    filler = b"z" * (CHUNK_BYTES // 2 + 7)
    hits = _scan(tmp_path, "keys.log", filler.join(keys) + filler)
    assert [h.key_type for h in hits] == ["PRIVATE KEY"] * 3


def test_ssh2_format_key_is_found(tmp_path: Path) -> None:
    text = f"{SSH2_BEGIN}\nComment: x\nP2/56wAAAi4AAAA3aWYtbW9kbg==\n---- END SSH2 ENCRYPTED PRIVATE KEY ----\n"
    assert _only(_scan(tmp_path, "id_dsa", text.encode())) == ("SSH2 ENCRYPTED PRIVATE KEY", True)


def test_ssh_keygen_keys_are_found(tmp_path: Path) -> None:
    ssh_keygen = shutil.which("ssh-keygen")
    if ssh_keygen is None:
        pytest.skip("ssh-keygen is not installed")
    for name, extra in (("id_ed25519", ["-t", "ed25519"]), ("id_ecdsa_pem", ["-t", "ecdsa", "-m", "PEM"])):
        subprocess.run([ssh_keygen, "-q", "-N", "", "-C", "test", "-f", tmp_path / name, *extra], check=True)
        (tmp_path / name).write_bytes((tmp_path / name).read_text().encode("utf-16"))
    found = {h.path: h.key_type for h in scan_files(tmp_path, ["id_ed25519", "id_ecdsa_pem", "id_ed25519.pub"]).hits}
    assert found == {"id_ed25519": "OPENSSH PRIVATE KEY (UTF-16 text)", "id_ecdsa_pem": "EC PRIVATE KEY (UTF-16 text)"}


def test_utf16_text_without_a_key_is_clean(tmp_path: Path) -> None:
    text = "BEGIN TRANSACTION; -- not a key\r\n" * 1000
    assert _scan(tmp_path, "notes.sql", text.encode("utf-16")) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_links_pipes_and_deleted_files_are_skipped_and_regular_files_beside_them_are_scanned(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "key.pem").write_text(_pem(_ec()))
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    (root / "linked.pem").symlink_to(outside / "key.pem")
    os.mkfifo(root / "pipe")  # opening it for reading would block the scan
    (root / "sub" / "real.pem").write_text(_pem(_ec()))
    result = scan_files(root, ["linked.pem", "pipe", "sub/real.pem", "missing"])
    assert [hit.path for hit in result.hits] == ["sub/real.pem"]
    assert result.files_scanned == 1 and result.complete  # a listed file deleted in the work tree is not a gap


# The scan cache: a warm run reads only files whose stat identity changed, and a bad entry is only a miss.


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache outside the scanned tree that keeps even files written a moment ago (no racy-clean window)."""
    monkeypatch.setattr(keyscan, "RACY_NANOSECONDS", -(10**18))
    return tmp_path / "cache"


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("print('hello')\n" * 20)
    (root / "deploy.pem").write_text(_pem(_ec()))
    return root


NAMES = ["deploy.pem", "src/app.py"]


def _cache_entry(cache: Path) -> Path:
    (entry,) = cache.rglob("*.json")
    return entry


def test_a_warm_scan_reads_no_unchanged_file_and_still_reports_its_keys(tmp_path: Path, cache: Path) -> None:
    root = _tree(tmp_path)
    cold = scan_files(root, NAMES, cache=cache)
    warm = scan_files(root, NAMES, cache=cache)
    assert cold.from_cache == 0
    assert warm.from_cache == 2
    assert warm.hits == cold.hits
    assert [h.path for h in warm.hits] == ["deploy.pem"]
    assert (warm.files_scanned, warm.complete) == (2, True)
    assert not any(path.suffix == ".json" for path in root.rglob("*"))


def _same_size_key(clean: bytes) -> bytes:
    """Key text padded (or cut) to the length of ``clean``: the file's size does not change."""
    key = _pem(_ec()).encode()
    assert len(key) <= len(clean)
    return key + b"#" * (len(clean) - len(key))


def test_a_key_written_at_the_same_size_with_its_mtime_put_back_is_found(tmp_path: Path, cache: Path) -> None:
    root = _tree(tmp_path)
    target = root / "src" / "app.py"
    target.write_bytes(b"x = 1\n" * 60)
    before = target.stat()
    assert scan_files(root, NAMES, cache=cache).from_cache == 0
    time.sleep(0.05)  # past the file system's timestamp granularity, so that the write moves ctime
    target.write_bytes(_same_size_key(target.read_bytes()))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = target.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    warm = scan_files(root, NAMES, cache=cache)
    assert sorted(h.path for h in warm.hits) == ["deploy.pem", "src/app.py"]
    assert warm.from_cache == 1


def test_a_file_replaced_by_another_of_the_same_size_and_mtime_is_read(tmp_path: Path, cache: Path) -> None:
    root = _tree(tmp_path)
    target = root / "src" / "app.py"
    before = target.stat()
    scan_files(root, NAMES, cache=cache)
    replacement = root / "src" / "app.py.new"
    replacement.write_bytes(_same_size_key(target.read_bytes()))
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    replacement.replace(target)
    assert "src/app.py" in {h.path for h in scan_files(root, NAMES, cache=cache).hits}


def test_a_file_changed_moments_before_the_scan_is_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A file this fresh could change again within one timestamp tick unseen. The window is widened so that a
    # slow machine cannot take the files out of it before the scan starts.
    monkeypatch.setattr(keyscan, "RACY_NANOSECONDS", 3600 * 10**9)
    root = _tree(tmp_path)
    scan_files(root, NAMES, cache=tmp_path / "cache")
    assert scan_files(root, NAMES, cache=tmp_path / "cache").from_cache == 0


def _poison_body(entry: Path, body: dict[str, object]) -> None:
    """Rewrite an entry's body, keeping its header (so its digest no longer matches)."""
    head = entry.read_bytes().partition(b"\n")[0]
    entry.write_bytes(head + b"\n" + json.dumps(body).encode())


def _clean_claim(entry: Path) -> dict[str, object]:
    """The entry's body with every file claimed free of keys, identities unchanged."""
    body = json.loads(entry.read_bytes().partition(b"\n")[2])
    return {"files": {name: [value[0], []] for name, value in body["files"].items()}}


def test_an_entry_whose_body_does_not_match_its_digest_is_ignored(tmp_path: Path, cache: Path) -> None:
    root = _tree(tmp_path)
    scan_files(root, NAMES, cache=cache)
    entry = _cache_entry(cache)
    _poison_body(entry, _clean_claim(entry))
    warm = scan_files(root, NAMES, cache=cache)
    assert [h.path for h in warm.hits] == ["deploy.pem"]
    assert warm.from_cache == 0


def test_an_entry_for_another_identity_or_of_another_shape_is_ignored(tmp_path: Path, cache: Path) -> None:
    root = _tree(tmp_path)
    scan_files(root, NAMES, cache=cache)
    entry = _cache_entry(cache)
    key = entry.stem
    claim = _clean_claim(entry)
    files = claim["files"]
    assert isinstance(files, dict)
    stale = [files["deploy.pem"][0][0] + 1, *files["deploy.pem"][0][1:]]
    for value in ([stale, []], [files["deploy.pem"][0], [["RSA", "no"]]], "clean", [files["deploy.pem"][0]]):
        write_entry(cache, key, {"files": {**files, "deploy.pem": value}})
        warm = scan_files(root, NAMES, cache=cache)
        assert [h.path for h in warm.hits] == ["deploy.pem"], value
    for body in ([], {"files": []}, "x"):
        write_entry(cache, key, body)
        assert [h.path for h in scan_files(root, NAMES, cache=cache).hits] == ["deploy.pem"]


def test_an_entry_that_is_a_link_or_a_fifo_is_ignored_without_blocking(tmp_path: Path, cache: Path) -> None:
    root = _tree(tmp_path)
    scan_files(root, NAMES, cache=cache)
    entry = _cache_entry(cache)
    outside = tmp_path / "outside.json"
    outside.write_bytes(entry.read_bytes().partition(b"\n")[0] + b"\n" + json.dumps(_clean_claim(entry)).encode())
    entry.unlink()
    entry.symlink_to(outside)
    assert [h.path for h in scan_files(root, NAMES, cache=cache).hits] == ["deploy.pem"]
    entry.unlink()
    os.mkfifo(entry)
    assert [h.path for h in scan_files(root, NAMES, cache=cache).hits] == ["deploy.pem"]


def test_the_default_cache_is_the_operators(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SDL_GATE_KEYSCAN_CACHE_DIR", str(tmp_path / "explicit"))
    assert keyscan.default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("SDL_GATE_KEYSCAN_CACHE_DIR")
    monkeypatch.setenv("SDL_GATE_CACHE_DIR", str(tmp_path / "shared"))
    assert keyscan.default_cache_dir() == tmp_path / "shared" / "keyscan"

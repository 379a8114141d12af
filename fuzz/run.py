"""Run every fuzz target in turn for a set time and write a summary.

    python fuzz/run.py --workdir DIR [--minutes 10] [--fixtures DIR] [TARGET ...]

Seeds come from the demo project, the built-in policies, the test data and (with ``--fixtures``) a
directory of public OSV records and Threat Dragon / OTM models; an SBOM, an assessment and a key-signed
bundle are generated from the demo project. Each target runs niced, one at a time, in its own process;
a crash leaves its input in ``DIR/TARGET/crashes`` and is listed in ``DIR/summary.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEMO = ROOT / "examples" / "demo-project"
TARGETS = ("user_files", "threat_model", "dependencies", "reports", "advisories")


def _seed(directory: Path, name: str, choice: int, data: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}-{choice}").write_bytes(bytes([choice]) + data)


def _sdl_gate(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "sdl_gate", *map(str, args)],
        cwd=cwd,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1772323200", **(env or {})},
        capture_output=True,
        check=False,
        timeout=300,
    )


def _generated(work: Path) -> dict[str, Path]:
    """An SBOM, an assessment and a key-signed bundle of a copy of the demo project."""
    project = work / "demo"
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(DEMO, project, ignore=shutil.ignore_patterns(".sdl-gate"))
    out = {"sbom": work / "bom.cdx.json", "assessment": work / "assessment.json", "bundle": work / "bundle.zip"}
    _sdl_gate("sbom", project, "--output", out["sbom"])
    _sdl_gate("check", project, "--format", "json", "--output", out["assessment"])
    env = {"SDL_GATE_KEY_PASSPHRASE": "fuzz"}
    _sdl_gate("keygen", "--output", work / "release", env=env)
    _sdl_gate(
        "bundle", "create", project, "--output", out["bundle"], "--sign", "key", "--key", work / "release.pem", env=env
    )
    return {k: v for k, v in out.items() if v.is_file()}


def build_seeds(work: Path, fixtures: Path | None) -> dict[str, Path]:
    """Write one seed directory per target; return them."""
    seeds = {t: work / "seeds" / t for t in TARGETS}
    security = DEMO / "security"
    for policy in [*sorted((ROOT / "policies").glob("*.yaml")), security / "policy.yaml"]:
        _seed(seeds["user_files"], policy.stem, 0, policy.read_bytes())
        _seed(seeds["user_files"], policy.stem, 1, policy.read_bytes())
    _seed(seeds["user_files"], "waivers", 2, (security / "waivers.yaml").read_bytes())
    for record in sorted((security / "records").glob("*.yaml")):
        _seed(seeds["user_files"], record.stem, 3, record.read_bytes())
    _seed(seeds["user_files"], "requirements", 4, (security / "requirements.yaml").read_bytes())
    _seed(seeds["user_files"], "pyproject", 5, (DEMO / "pyproject.toml").read_bytes())

    _seed(seeds["threat_model"], "native", 0, (security / "threat-model.yaml").read_bytes())
    if fixtures is not None:
        for model in sorted((fixtures / "threat-dragon").glob("*.json")):
            if "schema" not in model.name:
                _seed(seeds["threat_model"], model.stem, 0x80, model.read_bytes())
        for record in sorted((fixtures / "osv").glob("*/*.*")):
            choice = 0 if record.suffix == ".json" else 1
            _seed(seeds["advisories"], record.stem, choice, record.read_bytes())
    report = {
        "dependencies": [
            {"name": "jinja2", "version": "2.4.1", "vulns": [{"id": "PYSEC-2014-8", "fix_versions": ["2.7.2"]}]},
            {"name": "pkg", "skip_reason": "not on PyPI"},
        ],
        "fixes": [],
    }
    _seed(seeds["advisories"], "pip-audit", 2, json.dumps(report).encode())
    _seed(seeds["advisories"], "junit", 3, (ROOT / "tests" / "golden" / "report.junit.xml").read_bytes())
    approval = {
        "approver": "A <a@example.com>",
        "justification": "accepted at adoption",
        "created": "2026-01-01T00:00:00Z",
        "expires": "2026-07-01T00:00:00Z",
    }
    entry = {"fingerprint": "0" * 32, "path": "a.py", "test_id": "B101", "line": 3, "approval": approval}
    baseline = {
        "version": 2,
        "tool": "bandit",
        "findings": [entry, {**entry, "fingerprint": "1" * 32, "approval": None}],
    }
    _seed(seeds["advisories"], "baseline", 4, json.dumps(baseline).encode())
    _seed(seeds["advisories"], "bandit-ini", 5, b"[bandit]\nexclude = tests\nskips = B101,B601\n")
    bandit_toml = (
        b'[tool.bandit]\nexclude_dirs = ["tests"]\nskips = ["B101"]\n[tool.bandit.assert_used]\nskips = ["*_test.py"]\n'
    )
    _seed(seeds["advisories"], "bandit-toml", 5 | 0x80, bandit_toml)

    _seed(seeds["dependencies"], "requirements", 1, (DEMO / "requirements.txt").read_bytes())
    uv = '[[package]]\nname = "idna"\nversion = "3.10"\nsource = { registry = "https://pypi.org/simple" }\n'
    _seed(seeds["dependencies"], "uv", 2, uv.encode())
    pylock = 'lock-version = "1.0"\ncreated-by = "x"\n[[packages]]\nname = "idna"\nversion = "3.10"\n'
    _seed(seeds["dependencies"], "pylock", 3, pylock.encode())

    generated = _generated(work)
    if "sbom" in generated:
        _seed(seeds["dependencies"], "sbom", 0, generated["sbom"].read_bytes())
    if "assessment" in generated:
        _seed(seeds["reports"], "assessment", 0, generated["assessment"].read_bytes())
    if "bundle" in generated:
        _seed(seeds["reports"], "bundle", 3, generated["bundle"].read_bytes())
        import zipfile

        with zipfile.ZipFile(generated["bundle"]) as archive:
            for index, name in enumerate(sorted(archive.namelist())):
                if name == "policy.json":
                    _seed(seeds["reports"], "policy", 1, archive.read(name))
                if name.startswith("evidence/objects/"):
                    _seed(seeds["reports"], f"evidence{index}", 2, archive.read(name))
                choice = 4 + 5 * index
                if choice < 256:
                    _seed(seeds["reports"], f"entry{index}", choice, archive.read(name))
    return seeds


def run_target(target: str, work: Path, seeds: Path, seconds: int, bundle: Path | None) -> dict[str, object]:
    """Fuzz one target for ``seconds``; return what libFuzzer reported."""
    corpus = work / target / "corpus"
    crashes = work / target / "crashes"
    corpus.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    env = {**os.environ}
    if bundle is not None:
        env["SDL_GATE_FUZZ_BUNDLE"] = str(bundle)
    command = [
        "nice",
        "-n",
        "10",
        sys.executable,
        str(HERE / "targets.py"),
        target,
        str(corpus),
        str(seeds),
        f"-max_total_time={seconds}",
        "-rss_limit_mb=2048",
        "-timeout=30",
        f"-artifact_prefix={crashes}/",
        "-print_final_stats=1",
    ]
    log = work / target / "fuzz.log"
    started = time.monotonic()
    with log.open("wb") as out:
        completed = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env, check=False)
    elapsed = round(time.monotonic() - started)
    text = log.read_text(encoding="utf-8", errors="replace")
    runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", text) or re.findall(r"Done (\d+) runs", text)
    found = sorted(p.name for p in crashes.iterdir())
    return {
        "target": target,
        "seconds": elapsed,
        "exit_code": completed.returncode,
        "executions": int(runs[-1]) if runs else None,
        "corpus": len(list(corpus.iterdir())),
        "crashes": found,
    }


def main() -> int:
    """Parse arguments, build seeds, run the targets one after another."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", default=list(TARGETS), metavar="TARGET")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--fixtures", type=Path, default=None, help="a directory with osv/ and threat-dragon/")
    args = parser.parse_args()
    work = (args.workdir or Path(tempfile.mkdtemp(prefix="sdl-gate-fuzz-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    seeds = build_seeds(work, args.fixtures)
    bundle = work / "bundle.zip"
    summary_path = work / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else []
    for target in args.targets:
        result = run_target(target, work, seeds[target], int(args.minutes * 60), bundle if bundle.is_file() else None)
        summary.append(result)
        summary_path.write_text(json.dumps(summary, indent=2))
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

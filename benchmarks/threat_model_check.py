"""Times ``sdl-gate threat-model check`` on a generated model of 500 components and 2,000 flows.

Run from the repository root with the project installed: ``python benchmarks/threat_model_check.py``.
The model is a git-reviewed native YAML file (so freshness runs git and compares the model at the reviewed
commit with the current one). Baselines in the same run: a bare
interpreter (``python -c pass``) and ``git diff --name-only`` over the same scope, the raw tool the
freshness check wraps. Reports medians of wall time and of CPU time (user and system, the child's
own): on a loaded machine wall time mostly measures the other processes, so the target is judged on
CPU time. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml


def generate(components: int, flows: int, zones: int = 10) -> dict[str, object]:
    """Build a valid, fully dispositioned model: every boundary flow has a threat with two mitigations."""
    zone_list = [{"id": f"Z-{z}", "name": f"zone {z}", "sl_t": 1 + z % 4} for z in range(zones)]
    conduits = [
        {"id": f"CD-{a}-{b}", "between": [f"Z-{a}", f"Z-{b}"], "protocol": "tls"}
        for a in range(zones)
        for b in range(a + 1, zones)
    ]
    comps = [{"id": f"C-{i}", "name": f"component {i}", "zone": f"Z-{i % zones}"} for i in range(components)]
    flow_list, threats, dispositions = [], [], []
    mitigations = [
        {"id": "M-A", "description": "authenticated, encrypted channel"},
        {"id": "M-B", "description": "input validation at the receiver"},
    ]
    for index in range(flows):
        source, target = index % components, (index * 7 + 1) % components
        za, zb = source % zones, target % zones
        flow: dict[str, object] = {"id": f"F-{index}", "from": f"C-{source}", "to": f"C-{target}", "protocol": "tls"}
        if za != zb:
            flow["conduit"] = f"CD-{min(za, zb)}-{max(za, zb)}"
        flow_list.append(flow)
        threats.append(
            {
                "id": f"T-{index}",
                "title": f"tampering on flow {index}",
                "stride": "tampering",
                "affects": [f"F-{index}"],
                "severity": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" if index % 3 == 0 else "medium",
                "status": "mitigated",
            }
        )
        dispositions.append({"threat": f"T-{index}", "status": "mitigated", "mitigations": ["M-A", "M-B"]})
    return {
        "version": 1,
        "product": {"name": "bench", "intended_environment": "lab", "assumptions": ["none"]},
        "zones": zone_list,
        "conduits": conduits,
        "components": comps,
        "flows": flow_list,
        "threats": threats,
        "mitigations": mitigations,
        "dispositions": dispositions,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_seconds(argv: list[str], runs: int, cwd: Path, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Median wall and CPU time of ``runs`` executions of ``argv`` after one warm-up."""
    walls, cpus = [], []
    for index in range(runs + 1):
        start, start_cpu = time.perf_counter(), _children_cpu()
        done = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
        elapsed, cpu = time.perf_counter() - start, _children_cpu() - start_cpu
        if done.returncode not in ok:
            raise SystemExit(f"{argv} exited {done.returncode}: {done.stderr.decode()[-400:]}")
        if index:
            walls.append(elapsed)
            cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    """Generate the model in a temporary git repository, time the check, print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--components", type=int, default=500)
    parser.add_argument("--flows", type=int, default=2000)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny inputs and one run, to check the benchmark still works (what the test suite runs)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.components, args.flows = 1, 20, 40
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com"}
    env |= {"GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "src").mkdir()
        (root / "src" / "app.py").write_text("print('hi')\n")
        model = generate(args.components, args.flows)
        path = root / "security" / "threat-model.yaml"
        path.parent.mkdir()
        path.write_text(yaml.safe_dump(model, sort_keys=False))
        for argv in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "base"]):
            subprocess.run(argv, cwd=root, env=env, check=True)
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        # The review is recorded after the commit it looked at, so freshness reads and compares both models.
        model["reviews"] = [
            {"date": time.strftime("%Y-%m-%d"), "reviewers": ["b"], "commit": head.stdout.strip(), "scope": ["src"]}
        ]
        path.write_text(yaml.safe_dump(model, sort_keys=False))
        size = path.stat().st_size
        tool = median_seconds(
            [sys.executable, "-m", "sdl_gate", "threat-model", "check", "--path", "."], args.runs, root
        )
        bare = median_seconds([sys.executable, "-c", "pass"], args.runs, root)
        git = median_seconds(["git", "diff", "--name-only", head.stdout.strip(), "--", "src"], args.runs, root)
    print(f"model: {args.components} components, {args.flows} flows, {args.flows} threats, {size / 1024:.0f} KiB YAML")
    print(f"{'command':<44} {'wall s':>8} {'CPU s':>8} {'CPU ratio':>10}")
    for name, (wall, cpu) in (
        ("python -c pass", bare),
        ("git diff --name-only (freshness baseline)", git),
        ("sdl-gate threat-model check", tool),
    ):
        print(f"{name:<44} {wall:>8.3f} {cpu:>8.3f} {cpu / max(bare[1], 1e-6):>10.1f}")
    verdict = "met" if tool[1] < 1 else "missed"
    print(f"threat-model check / git diff (wall): {tool[0] / git[0]:.1f}x; target under 1 s of CPU: {verdict}")


if __name__ == "__main__":
    main()

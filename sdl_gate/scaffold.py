"""``sdl-gate init``: copy the commented templates into a project without overwriting anything."""

from __future__ import annotations

from pathlib import Path

from sdl_gate._files import read_text_limited, write_atomic, write_new
from sdl_gate._yaml import parse_toml_text
from sdl_gate.errors import ConfigError, InputError

TEMPLATE_DIR = Path(__file__).with_name("templates")
PYPROJECT_SECTION = "pyproject-section.toml"
IGNORE_ENTRY = ".sdl-gate/"


def _append(path: Path, addition: str) -> None:
    existing = read_text_limited(path)
    separator = "" if not existing or existing.endswith("\n") else "\n"
    write_atomic(path, existing + separator + addition)


def scaffold(root: Path) -> list[str]:
    """Create the sdl-gate files in ``root``; return one line per file created, kept or extended."""
    if root.exists() and not root.is_dir():
        raise InputError("is not a directory; expected the project root", path=root)
    root.mkdir(parents=True, exist_ok=True)
    report: list[str] = []
    for template in sorted(TEMPLATE_DIR.rglob("*")):
        if not template.is_file() or template.name == PYPROJECT_SECTION or "__pycache__" in template.parts:
            continue
        relative = template.relative_to(TEMPLATE_DIR)
        target = root / relative
        if target.exists():
            report.append(f"kept     {relative.as_posix()} (exists)")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        created = write_new(target, template.read_text(encoding="utf-8"))
        report.append(f"{'created' if created else 'kept':<8} {relative.as_posix()}")

    section = (TEMPLATE_DIR / PYPROJECT_SECTION).read_text(encoding="utf-8")
    pyproject = root / "pyproject.toml"
    if not pyproject.exists():
        write_new(pyproject, section)
        report.append("created  pyproject.toml ([tool.sdl-gate] only)")
    else:
        try:
            document = parse_toml_text(read_text_limited(pyproject), pyproject)
        except InputError as exc:
            raise ConfigError(exc.message, path=exc.path, line=exc.line) from None
        if "sdl-gate" in document.get("tool", {}):
            report.append("kept     pyproject.toml (already has [tool.sdl-gate])")
        else:
            _append(pyproject, "\n" + section)
            report.append("extended pyproject.toml (appended [tool.sdl-gate])")

    from sdl_gate.precommit import EXAMPLE_PRE_COMMIT_CONFIG, hook_templates_dir

    pre_commit_config = root / ".pre-commit-config.yaml"
    example = (hook_templates_dir() / EXAMPLE_PRE_COMMIT_CONFIG).read_text(encoding="utf-8")
    if write_new(pre_commit_config, example):
        report.append("created  .pre-commit-config.yaml (sdl-gate hooks; `pre-commit install` enables them)")
    else:
        report.append("kept     .pre-commit-config.yaml (exists; the README lists the sdl-gate hook ids)")

    gitignore = root / ".gitignore"
    if not gitignore.exists():
        write_new(gitignore, f"{IGNORE_ENTRY}\n")
        report.append("created  .gitignore")
    elif IGNORE_ENTRY not in {line.strip() for line in read_text_limited(gitignore).splitlines()}:
        _append(gitignore, f"{IGNORE_ENTRY}\n")
        report.append(f"extended .gitignore ({IGNORE_ENTRY})")
    else:
        report.append("kept     .gitignore")
    return report

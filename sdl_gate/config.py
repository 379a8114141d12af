"""Project settings from ``[tool.sdl-gate]`` in ``pyproject.toml``."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, ValidationError, field_validator

from sdl_gate._files import read_text_limited
from sdl_gate._ids import check_requirement_id, reject_case_duplicates
from sdl_gate._model import FrozenModel
from sdl_gate._yaml import format_location, parse_toml_text
from sdl_gate.errors import ConfigError, InputError

GUIDELINE_IDS = ("SG-1", "SG-2", "SG-3", "SG-4", "SG-5", "SG-6")
OSV_URL_PATTERN = r"^https?://\S+$"


def _guideline_id(value: str) -> str:
    canonical = check_requirement_id(value)
    if canonical not in GUIDELINE_IDS:
        raise ValueError(f"{value!r} is not a user guideline requirement (SG-1 to SG-6)")
    return canonical


GuidelineId = Annotated[str, AfterValidator(_guideline_id)]


class PrePushMode(str, Enum):
    """Whether the full gate in the pre-push hook only warns or blocks the push."""

    ADVISORY = "advisory"
    BLOCKING = "blocking"


class SigningConfig(FrozenModel):
    """The ``[tool.sdl-gate.signing]`` table: the identity release signatures are verified against."""

    model_config = ConfigDict(populate_by_name=True, alias_generator=lambda name: name.replace("_", "-"))

    identity: str | None = Field(default=None, min_length=1, description="Exact certificate identity (SAN).")
    issuer: str | None = Field(default=None, min_length=1, description="OIDC issuer of the signing identity.")
    repository: str | None = Field(
        default=None, pattern=r"^[^/\s]+/[^/\s]+$", description="GitHub OWNER/NAME whose workflow signs."
    )
    ref: str | None = Field(default=None, min_length=1, description="Git ref of the signing workflow.")
    key: str | None = Field(
        default=None, min_length=1, description="Public key (PEM) for key-signed releases, relative to the project."
    )
    trust_config: str | None = Field(
        default=None, min_length=1, description="Sigstore client trust config for a private instance."
    )
    staging: bool = Field(default=False, description="Use the Sigstore staging trust root.")


class ToolConfig(FrozenModel):
    """The ``[tool.sdl-gate]`` table; keys are written with dashes."""

    model_config = ConfigDict(
        alias_generator=lambda name: name.replace("_", "-"),
        title="sdl-gate configuration ([tool.sdl-gate] in pyproject.toml)",
    )

    policy: str = Field(
        default="iec62443-4-1-ml2",
        description="A built-in policy name or a policy file relative to the project.",
    )
    security_dir: str = Field(default="security", description="Where threat model, waivers and records live.")
    guidelines: dict[GuidelineId, str] = Field(
        default_factory=dict,
        description="User guideline documents (SG-1 to SG-6), paths relative to the project.",
    )
    threat_model: str | None = Field(
        default=None,
        description="The threat model, relative to the project (default: <security-dir>/threat-model.yaml); "
        "native YAML or JSON, a Threat Dragon 2.x model, pytm --json output or an OTM file.",
    )
    threat_model_format: Literal["auto", "native", "threat-dragon", "pytm", "otm"] = Field(
        default="auto", description="The threat model's format; auto detects it from the content."
    )
    security_requirements: str | None = Field(
        default=None,
        description="The product security requirements, relative to the project "
        "(default: <security-dir>/requirements.yaml).",
    )
    test_requirements: str | None = Field(
        default=None,
        description="The map of test ids to the security requirements they verify, relative to the project "
        "(default: <security-dir>/test-map.yaml), for test runners whose reports carry no links.",
    )
    test_results: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(
        default_factory=list,
        description="Globs of JUnit XML reports, relative to the project, that `sdl-gate test-results import` reads "
        "when given no file (e.g. build/junit/*.xml); each must match a file.",
    )

    artifacts: list[str] = Field(
        default_factory=list,
        description="Globs of the release files, relative to the project (e.g. dist/*); each must be signed.",
    )
    signing: SigningConfig = Field(
        default_factory=SigningConfig,
        description="Who must have signed the release files, and the trust root to verify them with.",
    )

    dependency_files: list[str] = Field(
        default_factory=list,
        description="Dependency sources to audit besides those found in the project root (uv.lock, "
        "pylock*.toml, requirements*.txt, pyproject.toml), relative to the project; they add, never replace.",
    )
    sbom: str | None = Field(
        default=None,
        description="A CycloneDX JSON SBOM to check instead of generating one, relative to the project.",
    )
    sboms: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(
        default_factory=list,
        description="SBOMs other generators wrote (CycloneDX JSON or XML 1.4 to 1.6, SPDX 2.2/2.3 JSON from syft, "
        'cdxgen, Yocto, cyclonedx-npm and the like), as globs relative to the project (e.g. "firmware/*.cdx.json"). '
        "Their components are added to the inventory, each with its file as origin; they never replace the Python "
        "inventory sdl-gate builds itself, and a glob that matches no file is an error.",
    )
    offline: bool = Field(
        default=False,
        description="Audit vulnerabilities against the offline database on a loopback OSV API.",
    )
    vulndb_dir: str | None = Field(
        default=None,
        description="A default cache directory of the offline vulnerability database, relative to the project. "
        "The operator's --vulndb-dir or SDL_GATE_CACHE_DIR wins; a directory inside the project is refused "
        "(the repository under assessment must not supply its own database).",
    )
    osv_url: str | None = Field(
        default=None,
        pattern=OSV_URL_PATTERN,
        description="Not honoured from the repository: the operator names another OSV-compatible endpoint with "
        "--osv-url or SDL_GATE_OSV_URL. Set here, an online audit is not_available until the operator does.",
    )

    pre_push: PrePushMode = Field(
        default=PrePushMode.ADVISORY,
        description="The sdl-check hook (the full gate at pre-push): advisory warns, blocking stops the push.",
    )

    sast_baseline: str | None = Field(
        default=None,
        description="SAST baseline file relative to the project (default: sast-baseline.json in security-dir).",
    )
    sast_jobs: int = Field(
        default=0, ge=0, le=256, description="Processes static analysis runs in; 0 means one per CPU."
    )
    sast_max_file_bytes: int = Field(
        default=8 * 1024 * 1024,
        gt=0,
        description="Python files larger than this are reported as not analysed (exclude generated code).",
    )
    sast_timeout_seconds: int = Field(
        default=1800, gt=0, description="Static analysis worker processes are stopped after this many seconds."
    )
    languages: dict[
        Annotated[str, Field(min_length=1, max_length=64)],
        list[Annotated[str, Field(min_length=1, max_length=256)]],
    ] = Field(
        default_factory=dict,
        description='Source file names (globs) per language, e.g. {C = ["*.inc"]}, that the census of the product\'s '
        "languages counts besides the built-in map (C, C++, C#, Go, Java, JavaScript, Kotlin, PHP, Python, Ruby, "
        "Rust, Swift, TypeScript); they add, never replace.",
    )
    source_exclude: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(
        default_factory=list,
        description="Globs of repository paths (fnmatch, `*` also matches `/`, e.g. `third_party/*`) of vendored or "
        "generated source the language census leaves out. Each file left out is listed in the evidence, and the "
        "policy's sast_allowed_excludes decides whether it may be.",
    )

    sarif: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(
        default_factory=list,
        description="Globs of SARIF 2.1.0 files inside the project (e.g. `build/*.sarif`) written by other analysers "
        "(CodeQL, Semgrep, clang, GCC...): their results join bandit's and cppcheck's findings and cover the files "
        "they name; they add, never replace.",
    )

    @field_validator("sarif")
    @classmethod
    def _inside_project(cls, globs: list[str]) -> list[str]:
        for glob in globs:
            if glob.startswith(("/", "\\")) or ".." in glob.replace("\\", "/").split("/"):
                raise ValueError(f"{glob!r} must be a glob relative to the project, without `..`")
        return globs

    _no_case_duplicates = field_validator("guidelines", mode="before")(reject_case_duplicates)


class SettingOrigin(str, Enum):
    """Who chose a setting."""

    OPTION = "option"  # a command-line option
    ENVIRONMENT = "environment"  # an SDL_GATE_* variable (the GitHub Action passes its inputs this way)
    PROJECT = "project"  # [tool.sdl-gate] of the repository under assessment
    DEFAULT = "default"  # sdl-gate's own default


@dataclass(frozen=True)
class OperatorSettings:
    """What only the operator chooses (options, environment, Action inputs); repository content never sets it.

    ``vulndb_dir`` is the cache directory of the offline vulnerability database, ``osv_url`` the online
    service; each is None when the operator named none.
    """

    vulndb_dir: Path | None = None
    vulndb_dir_origin: SettingOrigin = SettingOrigin.DEFAULT
    osv_url: str | None = None
    osv_url_origin: SettingOrigin = SettingOrigin.DEFAULT


def operator_settings(*, vulndb_dir: Path | None = None, osv_url: str | None = None) -> OperatorSettings:
    """Combine the command-line options with ``SDL_GATE_CACHE_DIR`` and ``SDL_GATE_OSV_URL``; options win."""
    settings: dict[str, Any] = {}
    cache_dir = os.environ.get("SDL_GATE_CACHE_DIR", "").strip()
    if vulndb_dir is not None:
        settings.update(vulndb_dir=vulndb_dir, vulndb_dir_origin=SettingOrigin.OPTION)
    elif cache_dir:
        settings.update(vulndb_dir=Path(cache_dir), vulndb_dir_origin=SettingOrigin.ENVIRONMENT)
    environment_url = os.environ.get("SDL_GATE_OSV_URL", "").strip()
    if osv_url is not None:
        if not re.fullmatch(OSV_URL_PATTERN, osv_url):
            raise ConfigError("must be an http:// or https:// URL", location="option --osv-url")
        settings.update(osv_url=osv_url, osv_url_origin=SettingOrigin.OPTION)
    elif environment_url:
        if not re.fullmatch(OSV_URL_PATTERN, environment_url):
            raise ConfigError("must be an http:// or https:// URL", location="environment SDL_GATE_OSV_URL")
        settings.update(osv_url=environment_url, osv_url_origin=SettingOrigin.ENVIRONMENT)
    return OperatorSettings(**settings)


@dataclass(frozen=True)
class Project:
    """The project being assessed: its root, its name and version, its configuration and the operator's settings."""

    root: Path
    name: str
    version: str | None
    config: ToolConfig
    config_source: Path | None
    operator: OperatorSettings = OperatorSettings()

    @property
    def security_dir(self) -> Path:
        """The absolute ``security/`` directory."""
        return self.root / self.config.security_dir

    @property
    def sast_baseline(self) -> Path:
        """The SAST baseline file (it need not exist)."""
        if self.config.sast_baseline is not None:
            return self.root / self.config.sast_baseline
        return self.security_dir / "sast-baseline.json"


def _line_of(text: str, key: str) -> int | None:
    in_section = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = stripped.startswith("[tool.sdl-gate")
            if in_section and key in stripped:
                return number
            continue
        if in_section and stripped.split("=", 1)[0].strip().strip('"') == key:
            return number
    return None


#: Environment variables that override [tool.sdl-gate] keys; the GitHub Action passes some inputs this way.
ENVIRONMENT_OVERRIDES = {
    "SDL_GATE_ARTIFACTS": "artifacts",
    "SDL_GATE_SIGNING_IDENTITY": "signing.identity",
    "SDL_GATE_SIGNING_ISSUER": "signing.issuer",
    "SDL_GATE_OFFLINE": "offline",
}


def environment_overrides(config: ToolConfig) -> ToolConfig:
    """Apply the ``SDL_GATE_*`` overrides that are set and not empty (artifacts: one glob per line)."""
    values = {name: os.environ.get(name, "").strip() for name in ENVIRONMENT_OVERRIDES}
    if not any(values.values()):
        return config
    data = config.model_dump(mode="json", by_alias=True)
    if values["SDL_GATE_ARTIFACTS"]:
        data["artifacts"] = [line.strip() for line in values["SDL_GATE_ARTIFACTS"].splitlines() if line.strip()]
    if values["SDL_GATE_SIGNING_IDENTITY"]:
        data["signing"]["identity"] = values["SDL_GATE_SIGNING_IDENTITY"]
    if values["SDL_GATE_SIGNING_ISSUER"]:
        data["signing"]["issuer"] = values["SDL_GATE_SIGNING_ISSUER"]
    if values["SDL_GATE_OFFLINE"]:
        data["offline"] = values["SDL_GATE_OFFLINE"]  # pydantic reads true/false, 1/0
    try:
        return ToolConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        names = ", ".join(name for name, value in values.items() if value)
        raise ConfigError(f"invalid value in the environment ({names}): {first['msg']}") from None


def load_project(root: Path) -> Project:
    """Read ``root/pyproject.toml`` (if present) and return the project and its configuration."""
    if not root.exists():
        raise InputError("project directory not found", path=root)
    if not root.is_dir():
        raise InputError("is not a directory; expected the project root", path=root)
    pyproject = root / "pyproject.toml"
    if not pyproject.exists():
        config = environment_overrides(ToolConfig())
        return Project(
            root=root,
            name=root.resolve().name,
            version=None,
            config=config,
            config_source=None,
            operator=operator_settings(),
        )
    text = read_text_limited(pyproject, root=root)
    try:
        document = parse_toml_text(text, pyproject)
    except InputError as exc:
        raise ConfigError(exc.message, path=exc.path, line=exc.line) from None
    project_table: Any = document.get("project", {})
    name = project_table.get("name") if isinstance(project_table, dict) else None
    version = project_table.get("version") if isinstance(project_table, dict) else None
    tool_table: Any = document.get("tool", {})
    raw: Any = tool_table.get("sdl-gate", {}) if isinstance(tool_table, dict) else {}
    if not isinstance(raw, dict):
        raise ConfigError("[tool.sdl-gate] must be a table", path=pyproject, line=_line_of(text, "sdl-gate"))
    try:
        config = ToolConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = tuple(part for part in first["loc"] if isinstance(part, str | int) and part != "[key]")
        key = str(loc[-1]) if loc else "sdl-gate"
        message = f"unknown key {key!r}" if first["type"] == "extra_forbidden" else first["msg"]
        raise ConfigError(
            f"invalid [tool.sdl-gate]: {message}",
            path=pyproject,
            line=_line_of(text, key),
            location="tool.sdl-gate." + format_location(loc),
        ) from None
    config = environment_overrides(config)
    return Project(
        root=root,
        name=str(name) if isinstance(name, str) else root.resolve().name,
        version=str(version) if isinstance(version, str) else None,
        config=config,
        config_source=pyproject if raw else None,
        operator=operator_settings(),
    )

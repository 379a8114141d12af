"""The native threat-model format (``security/threat-model.yaml``, ``version: 1``) in IEC 62443 vocabulary.

The schema is deliberately lenient about what an imported format cannot say (reviews, approvals,
security levels): such gaps validate, and the checks report them as missing instead of the importer
inventing them. What is stated must be well-formed: ids, STRIDE categories, severities, references.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from sdl_gate._model import FrozenModel
from sdl_gate.threatmodel.severity import severity_level


class _Aliased(FrozenModel):
    model_config = ConfigDict(populate_by_name=True)


ElementId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$", min_length=1, max_length=128)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]


class Stride(str, enum.Enum):
    """The STRIDE threat categories."""

    SPOOFING = "spoofing"
    TAMPERING = "tampering"
    REPUDIATION = "repudiation"
    INFORMATION_DISCLOSURE = "information_disclosure"
    DENIAL_OF_SERVICE = "denial_of_service"
    ELEVATION_OF_PRIVILEGE = "elevation_of_privilege"


class ThreatStatus(str, enum.Enum):
    """Where a threat stands; everything but ``open`` needs a matching disposition."""

    OPEN = "open"
    MITIGATED = "mitigated"
    ACCEPTED = "accepted"
    TRANSFERRED = "transferred"


class DispositionStatus(str, enum.Enum):
    """The decision taken for a threat."""

    MITIGATED = "mitigated"
    ACCEPTED = "accepted"
    TRANSFERRED = "transferred"


class ReviewConclusion(str, enum.Enum):
    """A finding a review records about the model as a whole."""

    NO_HIGH_THREATS = "no_high_threats"


class ModelFormat(str, enum.Enum):
    """The formats a threat model can be read from."""

    NATIVE = "native"
    THREAT_DRAGON = "threat-dragon"
    PYTM = "pytm"
    OTM = "otm"


def _severity(value: str) -> str:
    severity_level(value)  # raises ValueError for anything that is neither a level nor a CVSS vector
    return value


Severity = Annotated[str, AfterValidator(_severity)]


class Product(_Aliased):
    """SR-1: the product and the environment it is intended for."""

    name: Text
    version: str | None = None
    description: str | None = None
    intended_environment: str | None = Field(
        default=None, description="Where the product runs, who operates it, which zone it sits in."
    )
    assumptions: list[Text] = Field(default_factory=list, description="What the environment is relied on for.")
    out_of_scope: list[Text] = Field(default_factory=list)


class Zone(_Aliased):
    """A group of components with the same security requirements (IEC 62443-3-2)."""

    id: ElementId
    name: Text
    sl_t: int | None = Field(default=None, ge=1, le=4, description="Target security level SL-T, 1 to 4.")
    parent: ElementId | None = Field(default=None, description="Enclosing zone, for sub-zones.")
    description: str | None = None


class Conduit(_Aliased):
    """A controlled communication path between two zones."""

    id: ElementId
    between: tuple[ElementId, ElementId]
    protocol: str | None = None
    description: str | None = None


class Asset(_Aliased):
    """Something an attacker could want to read, change or disrupt."""

    id: ElementId
    name: Text
    classification: str | None = None
    description: str | None = None


class Component(_Aliased):
    """A part of the product or of its surroundings."""

    id: ElementId
    name: Text
    zone: ElementId | None = None
    parent: ElementId | None = Field(default=None, description="Enclosing component, for nested components.")
    type: str | None = Field(default=None, description="e.g. process, store, actor, service.")
    description: str | None = None


class Flow(_Aliased):
    """A data flow between two components."""

    id: ElementId
    name: str | None = Field(default=None, description='What the diagram calls the flow ("Modbus write").')
    source: ElementId = Field(alias="from")
    target: ElementId = Field(alias="to")
    conduit: ElementId | None = None
    protocol: str | None = None
    data: str | None = None
    crosses_boundary: bool | None = Field(
        default=None,
        description="Set by importers whose format draws trust boundaries instead of zones; "
        "otherwise a flow crosses a boundary when its ends sit in different zones or it uses a conduit.",
    )


class Threat(_Aliased):
    """One attack considered."""

    id: ElementId
    title: Text
    description: str | None = None
    stride: Stride
    affects: list[ElementId] = Field(min_length=1, description="Ids of components, flows, assets, zones, conduits.")
    severity: Severity | None = Field(
        default=None, description="low, medium, high, critical, or a CVSS 3.x vector (CVSS:3.1/AV:N/...)."
    )
    status: ThreatStatus | None = None


class Mitigation(_Aliased):
    """A control that addresses threats."""

    id: ElementId
    description: Text
    requirements: list[ElementId] = Field(
        default_factory=list, description="Ids from the security requirements this control implements."
    )
    tests: list[Text] = Field(default_factory=list, description="Test ids (pytest node ids) that verify it.")
    depends_on: list[ElementId] = Field(
        default_factory=list,
        description="Mitigations this one is ineffective without; dependent mitigations are not independent (SD-2).",
    )


class Disposition(_Aliased):
    """The decision taken for one threat."""

    threat: ElementId
    status: DispositionStatus
    mitigations: list[ElementId] = Field(default_factory=list, description="For mitigated threats.")
    approver: str | None = Field(default=None, description="For accepted threats: who accepted the residual risk.")
    date: dt.date | None = None
    rationale: str | None = None
    to: str | None = Field(default=None, description="For transferred threats: who carries the risk.")


class Review(_Aliased):
    """A review of the model: who looked at which commit, which paths it covered, and what it concluded."""

    date: dt.date
    reviewers: list[Text] = Field(min_length=1)
    commit: str | None = Field(default=None, pattern=r"^[0-9a-f]{7,64}$")
    scope: list[Text] = Field(default_factory=list, description="Project paths the review covered.")
    conclusion: ReviewConclusion | None = Field(
        default=None,
        description="no_high_threats: the reviewers found no high or critical threat; SD-2 needs this when the "
        "model rates none high or critical.",
    )


class ImportInfo(_Aliased):
    """Where an imported model came from and what its format could not express."""

    format: ModelFormat
    source: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    missing: list[str] = Field(default_factory=list)


class ThreatModel(_Aliased):
    """A threat model (``version: 1``)."""

    model_config = ConfigDict(title="sdl-gate threat model")

    version: Literal[1]
    product: Product | None = None
    zones: list[Zone] = Field(default_factory=list)
    conduits: list[Conduit] = Field(default_factory=list)
    assets: list[Asset] = Field(default_factory=list)
    components: list[Component] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    threats: list[Threat] = Field(default_factory=list)
    mitigations: list[Mitigation] = Field(default_factory=list)
    dispositions: list[Disposition] = Field(default_factory=list)
    reviews: list[Review] = Field(default_factory=list)
    imported_from: ImportInfo | None = None

    def to_json(self) -> dict[str, object]:
        """Return the JSON form (``from``/``to`` as written), omitting nothing."""
        return self.model_dump(mode="json", by_alias=True)

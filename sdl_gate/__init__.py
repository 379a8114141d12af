"""sdl-gate: IEC 62443-4-1 evidence, release gating and lab-verifiable evidence bundles."""

__version__ = "0.1.0"

"""Regenerates the shipped JSON Schemas: ``python -m sdl_gate.schemas``."""

from sdl_gate.schemas import write_schemas

for written in write_schemas():
    print(written.name)

"""Renderers: one module per output format; they present an Assessment and never decide anything."""

"""SBOMs: dependency sources, CycloneDX generation and quality checks."""

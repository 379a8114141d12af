"""Release-evidence bundles: deterministic, signed zips a certification lab verifies offline."""

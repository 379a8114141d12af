"""Static analysis with bandit: configuration, sharded and cached scanning, fingerprints, baseline, SARIF."""

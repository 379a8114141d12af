"""In-toto statements, signers and verifiers: Sigstore keyless and local keys for air-gapped sites."""

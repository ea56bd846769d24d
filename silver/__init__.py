"""Silver: one module per table; typed, validated, deduplicated, changes applied, personal data pseudonymised."""

"""Bronze: one module per landing source; every record as it came, append-only, nothing dropped."""

"""Data quality beyond the row split: Great Expectations suites and Data Docs, and the quarantine lifecycle."""

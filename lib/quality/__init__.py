"""Data quality beyond the row split: Great Expectations suites and Data Docs, table-level checks, and the
quarantine lifecycle.

Where the Data Docs are, and the version of a suite, are said here without importing Great
Expectations (seconds to load), so that the runner, the run log and the summary can use them.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

from lakehouse.lib.config import ConfigError, Settings

DOCS_INDEX = Path("gx", "uncommitted", "data_docs", "local_site", "index.html")  # GX's file project layout


def project_folder(settings: Settings) -> Path:
    """The GX file project: suites, validation results and the Data Docs site, under ``<paths.report>/dq``."""
    if "://" in settings.paths.report:
        raise ConfigError(f"paths.report: Data Docs are local files, not {settings.paths.report}")
    return Path(settings.paths.report) / "dq"


def docs_index(settings: Settings) -> Path | None:
    """The Data Docs' front page once ``lakehouse dq docs`` has built it; None before, or off a local report."""
    if "://" in settings.paths.report:
        return None
    index = project_folder(settings) / DOCS_INDEX
    return index if index.is_file() else None


def suite_version(declarations: Iterable[object]) -> str:
    """A short fingerprint of what a suite judges by: the same declarations (in any order) give the same version,
    any change to a rule's name, condition or action gives another. Recorded on each quarantined row and result."""
    canonical = "\n".join(sorted(repr(declaration) for declaration in declarations))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]

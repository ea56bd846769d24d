"""What a failed command says: one line from the error, and the whole trace in a log of its own."""
from __future__ import annotations

import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path

HEADLINE_CHARS = 400


def headline(error: BaseException) -> str:
    """The error's first line (its type when it says nothing), cut to fit one line of a terminal or a page."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:HEADLINE_CHARS]


def write_log(error: BaseException, folder: Path) -> Path:
    """The command line and the whole trace, in a file of their own."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"lakehouse-{datetime.now(timezone.utc):%Y%m%dT%H%M%S.%fZ}.log"
    log.write_text(f"lakehouse {' '.join(sys.argv[1:])}\n\n"
                   + "".join(traceback.format_exception(type(error), error, error.__traceback__)))
    return log

"""Paging through PagerDuty's Events API v2: a failed run opens an incident, the next good run resolves it.

Each condition has a stable ``dedup_key`` (``lakehouse/<env>/run/<selection>``), so a run
failing again adds to the open incident instead of opening another, and the next run of
the same selection that succeeds resolves it (a resolve for a key with no open incident is
ignored by PagerDuty). A failing ``fail`` rule and a quarantine share above its limit stop
the run, so they page as failed runs, their message saying which.

The routing key only ever comes from the environment (``alerting.routing_key_env``,
``PAGERDUTY_ROUTING_KEY``); without one nothing is sent and nothing
is said, so a failed command still ends with its one line. PagerDuty out of reach is a warning:
a run that succeeded still succeeds, and a failed one still ends with its own error.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Literal
from urllib.request import Request, urlopen

from lakehouse.lib.config import Settings
from lakehouse.lib.failure import headline

Severity = Literal["critical", "error", "warning", "info"]
SUMMARY_CHARS = 1024  # the Events API's limit for payload.summary

log = logging.getLogger(__name__)


def dedup_key(settings: Settings, condition: str) -> str:
    return f"lakehouse/{settings.env}/{condition}"


def _send(settings: Settings, event: dict[str, object]) -> bool:
    key = settings.alerting.routing_key()
    if key is None:
        return False
    body = json.dumps({"routing_key": key, **event}).encode()
    request = Request(settings.alerting.events_url, body, {"Content-Type": "application/json"})
    try:
        with urlopen(request, timeout=settings.alerting.timeout_seconds):
            return True
    except OSError as error:  # URLError, a timeout, a refused connection
        log.warning("PagerDuty not reached at %s (%s %s): %s", settings.alerting.events_url, event["event_action"],
                    event["dedup_key"], getattr(error, "reason", error))
        return False


def trigger(settings: Settings, condition: str, summary: str, severity: Severity,
            details: dict[str, object], links: dict[str, str]) -> bool:
    """Open (or add to) the incident of ``condition``; False when no routing key is set."""
    return _send(settings, {
        "event_action": "trigger",
        "dedup_key": dedup_key(settings, condition),
        "payload": {"summary": summary[:SUMMARY_CHARS], "source": settings.alerting.source, "severity": severity,
                    "timestamp": datetime.now(timezone.utc).isoformat(), "component": condition.split("/")[-1],
                    "group": settings.env, "class": condition.split("/")[0], "custom_details": details},
        **({"links": [{"href": href, "text": text} for text, href in links.items()]} if links else {}),
    })


def resolve(settings: Settings, condition: str) -> bool:
    return _send(settings, {"event_action": "resolve", "dedup_key": dedup_key(settings, condition)})


def run_failed(settings: Settings, selection: str, run_id: str, error: BaseException) -> bool:
    details = {"run_id": run_id, "selection": selection, "error": type(error).__name__,
               "failure logs": settings.paths.logs, "run log": "ops.runs"}
    summary = f"lakehouse run {selection} failed ({settings.env}): {headline(error)}"
    return trigger(settings, f"run/{selection}", summary, "error", details, {})


def run_succeeded(settings: Settings, selection: str) -> bool:
    return resolve(settings, f"run/{selection}")

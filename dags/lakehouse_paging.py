"""Paging from Airflow through PagerDuty's Events API v2: a failed task or a missed deadline opens an incident,
and the task's next success (the run's, for the deadline) resolves it.

MWAA has no ``lakehouse`` package, so these are the trigger and resolve events of lib/pagerduty.py again,
in the standard library. Each condition has a stable ``dedup_key``, ``lakehouse/<env>/airflow/<dag>/<task>``
(``.../deadline`` for a run past its deadline): a task failing again on the next run adds to the open
incident instead of opening another, and a resolve for a key with no open incident changes nothing.

The routing key never sits in code: it is the password of the Airflow connection ``pagerduty_lakehouse``
(whose host, when set, replaces PagerDuty's events URL), or else the environment variable
``PAGERDUTY_ROUTING_KEY``. With neither, nothing is sent and the task log says so.
"""
from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.request import Request, urlopen

from airflow.sdk import Connection
from airflow.sdk.exceptions import AirflowNotFoundException

CONNECTION_ID = "pagerduty_lakehouse"
ROUTING_KEY_VARIABLE = "PAGERDUTY_ROUTING_KEY"
EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
SUMMARY_CHARS = 1024  # the Events API's limit for payload.summary
TIMEOUT_SECONDS = 10

log = logging.getLogger(__name__)


def destination() -> tuple[str, str] | None:
    """The events URL and routing key: the connection's, else the environment's key; None when neither is set."""
    try:
        connection = Connection.get(CONNECTION_ID)
    except AirflowNotFoundException:
        connection = None
    if connection is not None and connection.password:
        return connection.host or EVENTS_URL, connection.password
    key = os.environ.get(ROUTING_KEY_VARIABLE)
    return (EVENTS_URL, key) if key else None


def send(env: str, dag_id: str, condition: str, event: dict[str, Any]) -> bool:
    """Send ``event`` for ``condition`` in ``dag_id`` with its routing and dedup keys; False when no key is set."""
    found = destination()
    if found is None:
        log.warning("Not sent to PagerDuty: no connection %s and no %s", CONNECTION_ID, ROUTING_KEY_VARIABLE)
        return False
    url, routing_key = found
    keyed = {"routing_key": routing_key, "dedup_key": f"lakehouse/{env}/airflow/{dag_id}/{condition}", **event}
    request = Request(url, json.dumps(keyed, default=str).encode(), {"Content-Type": "application/json"})
    with urlopen(request, timeout=TIMEOUT_SECONDS):
        return True


def trigger(env: str, dag_id: str, condition: str, summary: str, details: dict[str, Any]) -> bool:
    """Open (or add to) the incident of ``condition`` in ``dag_id``."""
    return send(env, dag_id, condition, {
        "event_action": "trigger",
        "payload": {"summary": summary[:SUMMARY_CHARS], "source": "airflow", "severity": "error",
                    "timestamp": datetime.now(timezone.utc).isoformat(), "component": condition,
                    "group": env, "class": "airflow", "custom_details": details},
    })


def resolve(env: str, dag_id: str, condition: str) -> bool:
    """Resolve the incident of ``condition`` in ``dag_id``, if one is open."""
    return send(env, dag_id, condition, {"event_action": "resolve"})


def task_failed(env: str) -> Callable[[dict[str, Any]], None]:
    """An ``on_failure_callback`` paging for the task that failed (after its last retry)."""

    def page(context: dict[str, Any]) -> None:
        ti = context["ti"]
        error = context.get("exception")
        details = {"dag_id": ti.dag_id, "task_id": ti.task_id, "run_id": ti.run_id, "try_number": ti.try_number,
                   "error": repr(error), "log": getattr(ti, "log_url", None)}
        trigger(env, ti.dag_id, ti.task_id, f"Airflow {ti.dag_id}.{ti.task_id} failed ({env}): {error}", details)

    return page


def task_succeeded(env: str) -> Callable[[dict[str, Any]], None]:
    """An ``on_success_callback`` resolving the incident the task's last failure opened."""

    def recovered(context: dict[str, Any]) -> None:
        ti = context["ti"]
        resolve(env, ti.dag_id, ti.task_id)

    return recovered


def run_succeeded(env: str, dag_id: str) -> Callable[[dict[str, Any]], None]:
    """A DAG's ``on_success_callback``: a run that finished resolves the incident of a missed deadline."""

    def finished(context: dict[str, Any]) -> None:
        resolve(env, dag_id, "deadline")

    return finished


def deadline_missed(env: str, dag_id: str, deadline: str, context: dict[str, Any] | None = None) -> None:
    """The DeadlineAlert's callback: the run is still going ``deadline`` after it was queued."""
    run_id = ((context or {}).get("dag_run") or {}).get("run_id")  # the scheduler sends the run as JSON
    trigger(env, dag_id, "deadline", f"Airflow {dag_id} has not finished within {deadline} ({env})",
            {"dag_id": dag_id, "deadline": deadline, "run_id": run_id})

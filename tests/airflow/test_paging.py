"""The DAGs page PagerDuty (Events API v2) when a task fails for good or a run misses its deadline,
and resolve the incident when the task, or the run, next succeeds.

The callbacks run in a real Airflow (failure_pages.py) against a local receiver that validates each
event against the Events API's schema and keeps incidents by dedup key (tests/ops/test_pagerduty.py).
"""
from __future__ import annotations

import json
from pathlib import Path

from tests.airflow.conftest import DAGS, airflow_script
from tests.ops.test_pagerduty import ROUTING_KEY, Receiver, receiver  # noqa: F401 (receiver: a fixture)


def connection(url: str) -> str:
    """The Airflow connection ``pagerduty_lakehouse`` as an environment variable: the key as its password."""
    return json.dumps({"conn_type": "http", "host": url, "password": ROUTING_KEY})


def test_a_task_failing_twice_is_one_incident_keyed_by_env_dag_and_task(airflow_home: Path,
                                                                        receiver: tuple[Receiver, str]) -> None:
    received, url = receiver
    run = airflow_script(airflow_home, "failure_pages.py", str(DAGS), "silver.wait", "2",
                         AIRFLOW_CONN_PAGERDUTY_LAKEHOUSE=connection(url))
    failed, again, late = received.events
    assert failed["dedup_key"] == again["dedup_key"] == "lakehouse/prod/airflow/lakehouse_daily/silver.wait"
    assert (failed["routing_key"], failed["event_action"], failed["payload"]["severity"]) == (
        ROUTING_KEY, "trigger", "error")
    assert failed["payload"]["summary"] == "Airflow lakehouse_daily.silver.wait failed (prod): Step s-1 FAILED"
    assert failed["payload"]["custom_details"]["run_id"] == run["run_id"]
    assert late["dedup_key"] == "lakehouse/prod/airflow/lakehouse_daily/deadline"
    assert late["payload"]["summary"] == "Airflow lakehouse_daily has not finished within 6:00:00 (prod)"
    assert received.incidents_opened == 2
    assert received.open == {"lakehouse/prod/airflow/lakehouse_daily/silver.wait": 2,
                             "lakehouse/prod/airflow/lakehouse_daily/deadline": 1}


def test_the_tasks_next_success_and_the_runs_resolve_their_incidents(airflow_home: Path,
                                                                      receiver: tuple[Receiver, str]) -> None:
    received, url = receiver
    airflow_script(airflow_home, "failure_pages.py", str(DAGS), "gold.wait", "1", "recovered",
                   AIRFLOW_CONN_PAGERDUTY_LAKEHOUSE=connection(url))
    assert [(event["event_action"], event["dedup_key"]) for event in received.events] == [
        ("trigger", "lakehouse/prod/airflow/lakehouse_daily/gold.wait"),
        ("trigger", "lakehouse/prod/airflow/lakehouse_daily/deadline"),
        ("resolve", "lakehouse/prod/airflow/lakehouse_daily/gold.wait"),
        ("resolve", "lakehouse/prod/airflow/lakehouse_daily/deadline"),
    ]
    assert received.incidents_opened == 2
    assert received.open == {}


def test_without_a_connection_or_a_routing_key_nothing_is_sent_and_the_callbacks_do_not_fail(
        airflow_home: Path, receiver: tuple[Receiver, str]) -> None:
    received, _ = receiver
    airflow_script(airflow_home, "failure_pages.py", str(DAGS), "train.wait", "1")
    assert received.events == []

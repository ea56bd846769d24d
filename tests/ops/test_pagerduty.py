"""PagerDuty paging against a local receiver that checks each event against the Events API v2 schema."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import jsonschema
import pytest
import yaml

from lakehouse.lib import config, pagerduty
from lakehouse.lib.config import ConfigError, Settings
from lakehouse.lib.rules import RuleViolation

REPO = Path(__file__).resolve().parents[2]
ROUTING_KEY = "0123456789abcdef0123456789abcdef"
# PagerDuty's Events API v2 "Send an alert event" request body (developer.pagerduty.com, events-api-v2).
EVENT_SCHEMA = {
    "type": "object",
    "required": ["routing_key", "event_action"],
    "additionalProperties": False,
    "properties": {
        "routing_key": {"type": "string", "minLength": 32, "maxLength": 32},
        "event_action": {"enum": ["trigger", "acknowledge", "resolve"]},
        "dedup_key": {"type": "string", "maxLength": 255},
        "payload": {
            "type": "object",
            "required": ["summary", "source", "severity"],
            "additionalProperties": False,
            "properties": {
                "summary": {"type": "string", "maxLength": 1024},
                "source": {"type": "string"},
                "severity": {"enum": ["critical", "error", "warning", "info"]},
                "timestamp": {"type": "string", "format": "date-time"},
                "component": {"type": "string"}, "group": {"type": "string"}, "class": {"type": "string"},
                "custom_details": {"type": "object"},
            },
        },
        "images": {"type": "array"},
        "links": {"type": "array", "items": {"type": "object", "required": ["href"],
                                             "properties": {"href": {"type": "string"}, "text": {"type": "string"}}}},
        "client": {"type": "string"}, "client_url": {"type": "string"},
    },
    "if": {"properties": {"event_action": {"const": "trigger"}}},
    "then": {"required": ["payload"]},
    "else": {"required": ["dedup_key"]},
}


class Receiver:
    """Events as PagerDuty would take them: each validated, and incidents kept open or resolved by dedup key."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.open: dict[str, int] = {}
        self.incidents_opened = 0

    def take(self, event: dict) -> None:
        jsonschema.validate(event, EVENT_SCHEMA, format_checker=jsonschema.FormatChecker())
        self.events.append(event)
        key = event["dedup_key"]
        if event["event_action"] == "trigger":
            self.incidents_opened += key not in self.open
            self.open[key] = self.open.get(key, 0) + 1
        elif event["event_action"] == "resolve":
            self.open.pop(key, None)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    received = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            try:
                received.take(event)
            except jsonschema.ValidationError as error:
                self.send_response(400)
                self.end_headers()
                self.wfile.write(error.message.encode())
                return
            self.send_response(202)
            self.end_headers()
            self.wfile.write(json.dumps({"status": "success", "dedup_key": event.get("dedup_key")}).encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield received, f"http://127.0.0.1:{server.server_address[1]}/v2/enqueue"
    server.shutdown()
    server.server_close()


@pytest.fixture
def paging(settings: Settings, receiver: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PAGERDUTY_ROUTING_KEY", ROUTING_KEY)
    return settings.model_copy(update={"alerting": settings.alerting.model_copy(update={"events_url": receiver[1]})})


def test_a_failed_run_triggers_a_valid_event_with_a_stable_key(paging: Settings,
                                                               receiver: tuple[Receiver, str]) -> None:
    received, _ = receiver
    error = RuleViolation("silver.orders: rule status_is_known failed; nothing written")
    assert pagerduty.run_failed(paging, "silver", "run-1", error)
    event = received.events[0]
    assert (event["event_action"], event["dedup_key"], event["routing_key"]) == (
        "trigger", "lakehouse/local/run/silver", ROUTING_KEY)
    payload = event["payload"]
    assert payload["summary"] == ("lakehouse run silver failed (local): "
                                  "silver.orders: rule status_is_known failed; nothing written")
    assert (payload["severity"], payload["source"], payload["custom_details"]["run_id"]) == (
        "error", "retail-lakehouse", "run-1")


def test_a_repeated_failure_stays_one_incident_and_a_good_run_resolves_it(
        paging: Settings, receiver: tuple[Receiver, str]) -> None:
    received, _ = receiver
    pagerduty.run_failed(paging, "all", "run-1", RuntimeError("executor lost"))
    pagerduty.run_failed(paging, "all", "run-2", RuntimeError("executor lost again"))
    assert (received.incidents_opened, received.open) == (1, {"lakehouse/local/run/all": 2})
    assert pagerduty.run_succeeded(paging, "all")
    assert received.events[-1] == {"routing_key": ROUTING_KEY, "event_action": "resolve",
                                   "dedup_key": "lakehouse/local/run/all"}
    assert received.open == {}


def test_without_a_routing_key_nothing_is_sent_and_nothing_said(
        paging: Settings, receiver: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PAGERDUTY_ROUTING_KEY")
    assert not pagerduty.run_failed(paging, "all", "run-1", RuntimeError("boom"))
    assert not pagerduty.run_succeeded(paging, "all")
    assert receiver[0].events == []
    assert capsys.readouterr().err == ""


def test_pagerduty_out_of_reach_is_a_warning_for_a_failed_run_and_a_good_one(
        paging: Settings, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        gone = f"http://127.0.0.1:{probe.getsockname()[1]}/v2/enqueue"
    unreachable = paging.model_copy(update={"alerting": paging.alerting.model_copy(update={"events_url": gone})})
    assert not pagerduty.run_failed(unreachable, "all", "run-1", RuntimeError("boom"))
    assert not pagerduty.run_succeeded(unreachable, "all")
    said = [record.getMessage() for record in caplog.records]
    assert len(said) == 2, said
    assert said[0].startswith(f"PagerDuty not reached at {gone} (trigger lakehouse/local/run/all): ")
    assert said[1].startswith(f"PagerDuty not reached at {gone} (resolve lakehouse/local/run/all): ")


def test_the_receiver_refuses_an_event_the_api_would_refuse(receiver: tuple[Receiver, str]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        receiver[0].take({"routing_key": ROUTING_KEY, "event_action": "trigger", "dedup_key": "k"})


def test_a_routing_key_in_a_conf_file_is_refused(tmp_path) -> None:
    (tmp_path / "local.yaml").write_text("paths: {landing: l, lakehouse: h, report: r, logs: g}\n"
                                         f"alerting: {{routing_key: {ROUTING_KEY}}}\n")
    with pytest.raises(ConfigError, match="routing_key"):
        config.load("local", tmp_path)


def test_a_failing_lakehouse_run_pages_before_it_reports(settings: Settings, receiver: tuple[Receiver, str],
                                                         tmp_path) -> None:
    """The command line's own hook: a run whose input is not built fails, pages once, then says what to run."""
    conf = tmp_path / "conf"
    conf.mkdir()
    paths = {"landing": str(tmp_path / "landing"), "lakehouse": str(tmp_path / "lakehouse"),
             "report": str(tmp_path / "report"), "logs": str(tmp_path / "logs")}
    (conf / "local.yaml").write_text(yaml.safe_dump({
        "paths": paths, "privacy": {"require_key": False}, "alerting": {"events_url": receiver[1]},
        "spark": {"master": "local[1]", "shuffle_partitions": 1, "jars_dir": str(REPO / ".jars")}}))
    env = {**os.environ, "LAKEHOUSE_CONF": str(conf), "PAGERDUTY_ROUTING_KEY": ROUTING_KEY}
    env.pop("LAKEHOUSE_ROOT", None)
    env.pop("LAKEHOUSE_LANDING", None)
    done = subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", "run", "silver.server_logs"], env=env,
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: silver.server_logs reads bronze.server_logs")
    [event] = receiver[0].events
    assert (event["event_action"], event["dedup_key"]) == ("trigger", "lakehouse/local/run/silver.server_logs")
    assert "silver.server_logs reads bronze.server_logs, which is not built yet" in event["payload"]["summary"]

"""Landing parsers for JSON Lines and access logs: every line kept, fields as text, the unparseable with a reason."""
from __future__ import annotations

import json

import pytest

from lakehouse.lib.sources.landing import access_log_records, json_records

from .conftest import Lines


def test_json_fields_arrive_as_text_whatever_their_type(lines: Lines) -> None:
    row = json_records(lines('{"review_id": "R1", "rating": "five", "score": 4.5}'),
                       ["review_id", "rating", "score"]).first()
    assert (row.review_id, row.rating, row.score, row._parse_error, row._rescued) == ("R1", "five", "4.5", None, None)


def test_json_fields_no_one_announced_are_rescued(lines: Lines) -> None:
    row = json_records(lines('{"event_id": "E1", "utm_campaign": "bf", "ab": {"v": 2}}'), ["event_id"]).first()
    assert json.loads(row._rescued) == {"utm_campaign": "bf", "ab": '{"v":2}'}


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '{"event_id": "E1"', ""])
def test_a_line_that_is_not_a_json_object_is_kept_with_the_reason(lines: Lines, raw: str) -> None:
    row = json_records(lines(raw), ["event_id"]).first()
    assert (row._raw, row._parse_error, row.event_id) == (raw, "not a JSON object", None)


@pytest.mark.parametrize("raw, event_id, rescued", [
    ('{"event_id": "E1", "event_id": "E2"}', "E2", None),
    ('{"Event_ID": "E1"}', None, {"Event_ID": "E1"}),
    ('{"event_id": null}', None, None),
    ('{}', None, None),
    ('  {"event_id": "E1", "n": 12.50}  ', "E1", {"n": "12.5"}),
])
def test_json_objects_of_every_shape_parse_without_a_reason(lines: Lines, raw: str, event_id: str | None,
                                                            rescued: dict | None) -> None:
    row = json_records(lines(raw), ["event_id"]).first()
    assert (row.event_id, row._parse_error) == (event_id, None)
    assert (json.loads(row._rescued) if row._rescued else None) == rescued


@pytest.mark.parametrize("raw", ["null", '"E1"', '[{"event_id": "E1"}]'])
def test_json_that_is_not_an_object_is_kept_with_the_reason(lines: Lines, raw: str) -> None:
    row = json_records(lines(raw), ["event_id"]).first()
    assert (row._raw, row._parse_error, row.event_id, row._rescued) == (raw, "not a JSON object", None, None)


def test_each_json_line_is_parsed_into_its_fields_once(lines: Lines) -> None:
    plan = json_records(lines('{"a": "1"}'), ["a", "b", "c"])._jdf.queryExecution().optimizedPlan().toString()
    assert plan.count("from_json(StructField") == 1


COMBINED = ('203.0.113.7 - - [20/Nov/2026:10:15:30 +0000] "GET /product/P00042 HTTP/1.1" 200 5123 '
            '"https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64)" 0.123')


def test_access_log_line_with_request_time(lines: Lines) -> None:
    row = access_log_records(lines(COMBINED)).first()
    assert (row.ip, row.ts, row.request, row.status, row.bytes, row.request_time) == (
        "203.0.113.7", "20/Nov/2026:10:15:30 +0000", "GET /product/P00042 HTTP/1.1", "200", "5123", "0.123")
    assert row._parse_error is None


@pytest.mark.parametrize("raw, field, value", [
    (COMBINED.rsplit(" ", 1)[0], "request_time", None),
    ('198.51.100.2 - - [20/Nov/2026:10:15:30 +0000] "GET / HTTP/1.1" 304 - "-" "curl/8.0"', "bytes", "-"),
    ('198.51.100.2 - bob [20/Nov/2026:10:15:30 +0000] "GET / HTTP/1.1" 200 12 "-" "Agent \\"quoted\\" x" 0.2',
     "user_agent", 'Agent \\"quoted\\" x'),
    ('198.51.100.2 - - [20/Nov/2026:10:15:30 +0000] "GET / HTTP/1.0" 200 12', "referrer", None),
])
def test_access_log_variants_from_ordinary_servers_parse(lines: Lines, raw: str, field: str,
                                                         value: str | None) -> None:
    row = access_log_records(lines(raw)).first()
    assert row._parse_error is None
    assert row[field] == value


def test_access_log_line_that_does_not_match_is_kept_with_the_reason(lines: Lines) -> None:
    row = access_log_records(lines("GET /index.html 200")).first()
    assert (row._raw, row._parse_error, row.status) == ("GET /index.html 200", "not a Combined Log Format line", None)


def test_very_long_quoted_fields_parse_without_exhausting_the_stack(lines: Lines) -> None:
    agent = "Mozilla/5.0 " + "x" * 50_000
    log = f'198.51.100.2 - - [20/Nov/2026:10:15:30 +0000] "GET / HTTP/1.1" 200 12 "-" "{agent}" 0.2'
    assert access_log_records(lines(log)).first().user_agent == agent

"""Landing parsers: every line kept, fields as text, the unparseable with a reason, drift rescued."""
from __future__ import annotations

import json

import pytest
from pyspark.sql import DataFrame, SparkSession

from lakehouse.lib.landing import LINE_SCHEMA, access_log_records, csv_records, json_records


def lines(spark: SparkSession, *raw: str, origin: str = "file:/landing/x/part-1") -> DataFrame:
    return spark.createDataFrame([(line, origin, None) for line in raw], LINE_SCHEMA)


def test_json_fields_arrive_as_text_whatever_their_type(spark: SparkSession) -> None:
    row = json_records(lines(spark, '{"review_id": "R1", "rating": "five", "score": 4.5}'),
                       ["review_id", "rating", "score"]).first()
    assert (row.review_id, row.rating, row.score, row._parse_error, row._rescued) == ("R1", "five", "4.5", None, None)


def test_json_fields_no_one_announced_are_rescued(spark: SparkSession) -> None:
    row = json_records(lines(spark, '{"event_id": "E1", "utm_campaign": "bf", "ab": {"v": 2}}'), ["event_id"]).first()
    assert json.loads(row._rescued) == {"utm_campaign": "bf", "ab": '{"v":2}'}


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '{"event_id": "E1"', ""])
def test_a_line_that_is_not_a_json_object_is_kept_with_the_reason(spark: SparkSession, raw: str) -> None:
    row = json_records(lines(spark, raw), ["event_id"]).first()
    assert (row._raw, row._parse_error, row.event_id) == (raw, "not a JSON object", None)


CUSTOMER_COLUMNS = ["customer_id", "email", "city"]


def test_csv_fields_are_matched_by_header_name_not_position(spark: SparkSession) -> None:
    rows = csv_records(lines(spark, "city,customer_id,email,loyalty_tier", 'Austin,C1,a@x.com,gold'),
                       CUSTOMER_COLUMNS).collect()
    assert len(rows) == 1
    row = rows[0]
    assert (row.customer_id, row.email, row.city, row._parse_error) == ("C1", "a@x.com", "Austin", None)
    assert json.loads(row._rescued) == {"loyalty_tier": "gold"}


def test_csv_quoted_commas_stay_in_their_field(spark: SparkSession) -> None:
    row = csv_records(lines(spark, "customer_id,email,city", 'C1,a@x.com,"Austin, TX"'), CUSTOMER_COLUMNS).first()
    assert (row.city, row._parse_error) == ("Austin, TX", None)


@pytest.mark.parametrize("raw, found", [("C1,a@x.com,Austin,extra", 4), ("C1,a@x.com", 2)])
def test_csv_rows_with_too_many_or_too_few_fields_are_kept_with_the_reason(spark: SparkSession, raw: str,
                                                                            found: int) -> None:
    row = csv_records(lines(spark, "customer_id,email,city", raw), CUSTOMER_COLUMNS).first()
    assert row._raw == raw
    assert row._parse_error == f"expected 3 fields, found {found}"


def test_csv_without_a_header_is_read_in_declared_order(spark: SparkSession) -> None:
    row = csv_records(lines(spark, "C1,a@x.com,Austin"), CUSTOMER_COLUMNS).first()
    assert (row.customer_id, row.city, row._parse_error) == ("C1", "Austin", None)


def test_csv_headers_belong_to_their_own_file(spark: SparkSession) -> None:
    first = lines(spark, "customer_id,email,city", "C1,a@x.com,Austin", origin="file:/a.csv")
    second = lines(spark, "city,email,customer_id", "Boston,b@x.com,C2", origin="file:/b.csv")
    rows = {r.customer_id: r.city for r in csv_records(first.unionByName(second), CUSTOMER_COLUMNS).collect()}
    assert rows == {"C1": "Austin", "C2": "Boston"}


COMBINED = ('203.0.113.7 - - [20/Nov/2026:10:15:30 +0000] "GET /product/P00042 HTTP/1.1" 200 5123 '
            '"https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64)" 0.123')


def test_access_log_line_with_request_time(spark: SparkSession) -> None:
    row = access_log_records(lines(spark, COMBINED)).first()
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
def test_access_log_variants_from_ordinary_servers_parse(spark: SparkSession, raw: str, field: str,
                                                         value: str | None) -> None:
    row = access_log_records(lines(spark, raw)).first()
    assert row._parse_error is None
    assert row[field] == value


def test_access_log_line_that_does_not_match_is_kept_with_the_reason(spark: SparkSession) -> None:
    row = access_log_records(lines(spark, "GET /index.html 200")).first()
    assert (row._raw, row._parse_error, row.status) == ("GET /index.html 200", "not a Combined Log Format line", None)


def test_csv_header_with_a_byte_order_mark(spark: SparkSession) -> None:
    row = csv_records(lines(spark, "\ufeffcustomer_id,email,city", "C1,a@x.com,Austin"), CUSTOMER_COLUMNS).first()
    assert (row.customer_id, row.city, row._parse_error) == ("C1", "Austin", None)


def test_very_long_quoted_fields_parse_without_exhausting_the_stack(spark: SparkSession) -> None:
    agent = "Mozilla/5.0 " + "x" * 50_000
    log = f'198.51.100.2 - - [20/Nov/2026:10:15:30 +0000] "GET / HTTP/1.1" 200 12 "-" "{agent}" 0.2'
    assert access_log_records(lines(spark, log)).first().user_agent == agent
    csv = f'C1,a@x.com,"{"y" * 50_000}"'
    assert csv_records(lines(spark, "customer_id,email,city", csv), CUSTOMER_COLUMNS).first()._parse_error is None

"""CSV as RFC 4180 and real exporters write it: every record once, fields by header name, values intact."""
from __future__ import annotations

import json

import pytest

from lakehouse.lib.sources.csv_records import MAX_RECORD_LINES
from lakehouse.lib.sources.landing import csv_records

from .conftest import Lines

CUSTOMER_COLUMNS = ["customer_id", "email", "city"]
HEADER = "customer_id,email,city"


def by_key(frame) -> dict:
    return {row.customer_id: row for row in frame.collect()}


def test_csv_fields_are_matched_by_header_name_not_position(lines: Lines) -> None:
    rows = csv_records(lines("city,customer_id,email,loyalty_tier", 'Austin,C1,a@x.com,gold'),
                       CUSTOMER_COLUMNS).collect()
    assert len(rows) == 1
    row = rows[0]
    assert (row.customer_id, row.email, row.city, row._parse_error) == ("C1", "a@x.com", "Austin", None)
    assert json.loads(row._rescued) == {"loyalty_tier": "gold"}


def test_a_row_with_empty_cells_is_a_record_with_empty_values(lines: Lines) -> None:
    """The bug that lost CRM rows: an empty key cell made the row neither a header nor a record."""
    rows = csv_records(lines(HEADER, ",a@x.com,", ",,", "C3,,Austin"), CUSTOMER_COLUMNS).collect()
    assert sorted((r.customer_id, r.email, r.city, r._parse_error) for r in rows) == [
        ("", "", "", None), ("", "a@x.com", "", None), ("C3", "", "Austin", None)]


def test_quoted_commas_and_doubled_quotes_stay_in_their_field(lines: Lines) -> None:
    rows = by_key(csv_records(lines(HEADER, 'C1,a@x.com,"Austin, TX"', 'C2,"say ""hi""",""""', 'C3,"",x'),
                              CUSTOMER_COLUMNS))
    assert (rows["C1"].city, rows["C1"]._parse_error) == ("Austin, TX", None)
    assert (rows["C2"].email, rows["C2"].city) == ('say "hi"', '"')
    assert (rows["C3"].email, rows["C3"].city) == ("", "x")


def test_a_quoted_line_break_stays_inside_one_record(lines: Lines) -> None:
    rows = csv_records(lines(HEADER, 'C1,a@x.com,"Line one', '', 'line three, ""quoted"""', "C2,b@x.com,Boston"),
                       CUSTOMER_COLUMNS).collect()
    assert len(rows) == 2
    first = next(row for row in rows if row.customer_id == "C1")
    assert first.city == 'Line one\n\nline three, "quoted"'
    assert first._raw == 'C1,a@x.com,"Line one\n\nline three, ""quoted"""'
    assert first._parse_error is None


def test_a_record_split_across_file_parts_is_put_together_in_file_order(lines: Lines) -> None:
    """Spark may read a large file in parts, in any order; each part's offset orders the lines."""
    later_part = lines('still the city"', "C2,b@x.com,Boston", origin="file:/big.csv", block_start=1000)
    first_part = lines(HEADER, 'C1,"a@x.com","first line of', origin="file:/big.csv", block_start=0)
    rows = by_key(csv_records(later_part.unionByName(first_part), CUSTOMER_COLUMNS))
    assert set(rows) == {"C1", "C2"}
    assert rows["C1"].email == "a@x.com"
    assert (rows["C1"].city, rows["C1"]._parse_error) == ("first line of\nstill the city", None)


def test_a_header_repeated_mid_file_names_the_rows_after_it(lines: Lines) -> None:
    rows = csv_records(lines(HEADER, "C1,a@x.com,Austin", "city,customer_id,email", "Boston,C2,b@x.com", HEADER,
                             "C3,c@x.com,Chicago"), CUSTOMER_COLUMNS).collect()
    assert sorted((r.customer_id, r.email, r.city, r._parse_error) for r in rows) == [
        ("C1", "a@x.com", "Austin", None), ("C2", "b@x.com", "Boston", None), ("C3", "c@x.com", "Chicago", None)]


@pytest.mark.parametrize("raw, found", [("C1,a@x.com,Austin,extra", 4), ("C1,a@x.com", 2), ("", 1)])
def test_rows_with_too_many_or_too_few_fields_are_kept_with_the_reason(lines: Lines, raw: str, found: int) -> None:
    row = csv_records(lines(HEADER, raw), CUSTOMER_COLUMNS).first()
    assert row._raw == raw
    assert row._parse_error == f"expected 3 fields, found {found}"


def test_a_quote_left_open_at_the_end_of_the_file_does_not_swallow_the_lines_after_it(lines: Lines) -> None:
    """A stray quote (``5" screen``) against RFC 4180: the lines after it are read one by one."""
    rows = by_key(csv_records(lines(HEADER, 'C1,a@x.com,5" screen', "C2,b@x.com,Boston", "C3,c@x.com,Chicago"),
                              CUSTOMER_COLUMNS))
    assert {key: (row.city, row._parse_error) for key, row in rows.items()} == {
        "C1": ('5" screen', None), "C2": ("Boston", None), "C3": ("Chicago", None)}


def test_quotes_unbalanced_for_too_many_lines_are_read_line_by_line(lines: Lines) -> None:
    middle = [f"C{n},x@x.com,Town {n}" for n in range(2, MAX_RECORD_LINES + 2)]
    raw = [HEADER, 'C1,a@x.com,5" screen', *middle, 'C999,z@x.com,Quote" again', "C1000,y@x.com,After"]
    rows = by_key(csv_records(lines(*raw), CUSTOMER_COLUMNS))
    assert len(rows) == len(raw) - 1
    assert rows["C50"].city == "Town 50" and rows["C1000"].city == "After"
    assert all(row._parse_error is None for row in rows.values())


def test_csv_without_a_header_is_read_in_declared_order(lines: Lines) -> None:
    row = csv_records(lines("C1,a@x.com,Austin"), CUSTOMER_COLUMNS).first()
    assert (row.customer_id, row.city, row._parse_error) == ("C1", "Austin", None)


def test_csv_headers_belong_to_their_own_file(lines: Lines) -> None:
    first = lines(HEADER, "C1,a@x.com,Austin", origin="file:/a.csv")
    second = lines("city,email,customer_id", "Boston,b@x.com,C2", origin="file:/b.csv")
    rows = {r.customer_id: r.city for r in csv_records(first.unionByName(second), CUSTOMER_COLUMNS).collect()}
    assert rows == {"C1": "Austin", "C2": "Boston"}


def test_a_byte_order_mark_is_not_part_of_the_first_name_or_value(lines: Lines) -> None:
    headed = csv_records(lines("\ufeffcustomer_id,email,city", "C1,a@x.com,Austin"), CUSTOMER_COLUMNS).first()
    assert (headed.customer_id, headed.city, headed._parse_error) == ("C1", "Austin", None)
    headless = csv_records(lines("\ufeffC2,b@x.com,Boston"), CUSTOMER_COLUMNS).first()
    assert headless.customer_id == "C2"


def test_very_long_quoted_fields_parse_without_exhausting_the_stack(lines: Lines) -> None:
    value = "y" * 50_000
    row = csv_records(lines(HEADER, f'C1,a@x.com,"{value}"'), CUSTOMER_COLUMNS).first()
    assert (row.city, row._parse_error) == (value, None)

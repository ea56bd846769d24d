"""The synthetic data generator writes the landing contract, messy parts included.

Expected field lists, headers and the log format are written out here from
docs/landing.md, not imported from the generator, so a drift in either shows.
"""
from __future__ import annotations

import collections
import csv
import datetime
import gzip
import json
import re
from pathlib import Path

import pytest

from lakehouse.lib.generator import GenerationSummary, generate

SMALL = {"customers": 50, "events": 2_000, "days": 2, "progress": False}
JSONL_SOURCES = ("clickstream", "search", "inventory", "orders", "order_items", "reviews")
ALL_SOURCES = JSONL_SOURCES + ("customers", "products", "fx_rates", "server_logs")
FIELDS = {
    "clickstream": {"event_id", "event_ts", "event_type", "session_id", "customer_id", "product_id", "order_id",
                    "page_url", "referrer", "device", "user_agent", "ip"},
    "search": {"search_id", "search_ts", "session_id", "customer_id", "query", "results_count",
               "clicked_product_id", "clicked_position"},
    "inventory": {"event_id", "event_ts", "product_id", "warehouse_id", "qty_on_hand", "qty_delta", "reason"},
    "reviews": {"review_id", "product_id", "customer_id", "order_id", "rating", "title", "body", "language",
                "created_ts"},
    "orders": {"op", "ts_ms", "source", "before", "after"},
    "order_items": {"op", "ts_ms", "source", "before", "after"},
}
ORDER_ROW = {"order_id", "customer_id", "order_ts", "status", "currency", "total_amount", "shipping_country",
             "updated_at"}
ITEM_ROW = {"order_id", "line_no", "product_id", "quantity", "unit_price", "discount"}
HEADERS = {
    "customers": ["customer_id", "email", "first_name", "last_name", "phone", "birth_date", "country", "city",
                  "postal_code", "signup_ts", "marketing_opt_in", "updated_at"],
    "products": ["product_id", "sku", "name", "category", "subcategory", "brand", "list_price", "currency",
                 "active", "updated_at"],
    "fx_rates": ["date", "currency", "usd_per_unit"],
}
CRM_UPGRADED_HEADER = ["customer_id", "updated_at", "first_name", "last_name", "email", "phone", "birth_date",
                       "city", "postal_code", "country", "marketing_opt_in", "signup_ts"]
KEYS = {"customers": "customer_id", "products": "product_id", "fx_rates": "date"}
ALWAYS_FILLED = {"customers": ("customer_id", "country", "signup_ts", "marketing_opt_in", "updated_at"),
                 "products": ("product_id", "category", "updated_at"),
                 "fx_rates": ("date", "currency", "usd_per_unit")}
CATEGORIES = {"Electronics", "Home & Kitchen", "Fashion", "Shoes", "Beauty", "Sports & Outdoors", "Toys & Games",
              "Books"}
QUOTED = r'"((?:[^"\\]|\\.)*)"'
COMBINED_LOG = re.compile(
    r'^(?P<ip>[0-9a-f.:]+) \S+ \S+ \[(?P<ts>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] '
    rf'{QUOTED} (?P<status>\d{{3}}) (?P<bytes>\d+|-) {QUOTED} {QUOTED}(?: (?P<seconds>\d+\.\d+))?$')


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    root = tmp_path_factory.mktemp("landing")
    return root, generate(root, **SMALL)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean run with a larger CRM and catalog (400 customers, 100 products), for shares of empty cells."""
    root = tmp_path_factory.mktemp("shop")
    generate(root, customers=400, events=2_000, days=2, bad_rate=0.0, progress=False)
    return root


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    root = tmp_path_factory.mktemp("clean")
    return root, generate(root, **{**SMALL, "bad_rate": 0.0})


def files_of(root: Path, source: str) -> list[Path]:
    return sorted(p for p in (root / source).rglob("*") if p.is_file())


def lines_of(path: Path) -> list[str]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8").splitlines()


def csv_rows(path: Path) -> list[list[str]]:
    """Rows as the csv module reads them: a byte-order mark dropped, line breaks in quotes kept."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def csv_records(path: Path, source: str) -> list[list[str]]:
    """The rows that are records: every row but the header rows (the ones naming the key column)."""
    return [row for row in csv_rows(path) if KEYS[source] not in row]


def named_records(path: Path, source: str) -> list[dict[str, str]]:
    """Records of the header's width, by the names of the file's header."""
    header = csv_rows(path)[0]
    return [dict(zip(header, row)) for row in csv_records(path, source) if len(row) == len(header)]


def readable_lines(root: Path, source: str) -> list[tuple[Path, str]]:
    """Every line of every file that reads to its end (a truncated gzip file does not)."""
    found = []
    for path in files_of(root, source):
        try:
            found += [(path, line) for line in lines_of(path)]
        except EOFError:
            continue
    return found


def parsed(root: Path, source: str) -> list[tuple[Path, dict]]:
    records = []
    for path, line in readable_lines(root, source):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append((path, record))
    return records


def utc_date(timestamp: str) -> datetime.date:
    return datetime.datetime.fromisoformat(timestamp).astimezone(datetime.timezone.utc).date()


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes()) for p in root.rglob("*") if p.is_file()}


# --- reproducibility and landing ---------------------------------------------------------------------------

def test_same_arguments_give_identical_bytes(landed, tmp_path):
    root, _ = landed
    generate(tmp_path, **SMALL)
    first = {name: content for name, (_, content) in snapshot(root).items()}
    second = {name: content for name, (_, content) in snapshot(tmp_path).items()}
    assert first.keys() == second.keys()
    assert first == second


def test_another_seed_lands_other_data_beside_the_first(tmp_path):
    generate(tmp_path, **SMALL)
    before = snapshot(tmp_path)
    generate(tmp_path, **SMALL, seed=8)
    after = snapshot(tmp_path)
    assert all(after[name] == value for name, value in before.items())
    new = {name: content for name, (_, content) in after.items() if name not in before}
    assert new and all("-s8-" in name for name in new)
    ours = before["clickstream/dt=2026-11-20/part-00000-s7-20261120.jsonl"][1]
    theirs = new["clickstream/dt=2026-11-20/part-00000-s8-20261120.jsonl"]
    assert ours != theirs


def test_every_source_folder_gets_day_partitioned_files(landed):
    root, summary = landed
    name = re.compile(r"^part-\d{5}-s7-20261120\.(jsonl|jsonl\.gz|csv|log|log\.gz)$")
    for source in ALL_SOURCES:
        files = files_of(root, source)
        assert files, source
        assert all(name.match(p.name) and re.fullmatch(r"dt=\d{4}-\d{2}-\d{2}", p.parent.name) for p in files)
        assert summary.sources[source].files == len(files)
    assert {p.parent.name for p in files_of(root, "clickstream")} == {"dt=2026-11-20", "dt=2026-11-21"}
    assert any(p.name.endswith(".jsonl.gz") for p in files_of(root, "clickstream"))
    assert any(p.name.endswith(".log.gz") for p in files_of(root, "server_logs"))


def test_no_hidden_temporary_files_are_left(landed):
    root, _ = landed
    assert not [p for p in root.rglob(".*")]


def test_second_run_with_same_arguments_changes_no_file(tmp_path):
    generate(tmp_path, **SMALL)
    before = snapshot(tmp_path)
    summary = generate(tmp_path, **SMALL)
    assert snapshot(tmp_path) == before
    assert summary.totals.files == 0


def test_summary_counts_records_and_bad_ones(landed):
    root, summary = landed
    lines = sum(len(lines_of(p)) for p in files_of(root, "server_logs"))
    assert summary.sources["server_logs"].records == lines
    crm_rows = sum(len(lines_of(p)) - 1 for p in files_of(root, "customers"))  # one line per customer
    assert summary.sources["customers"].records == crm_rows
    for source in KEYS:  # one record per CSV record, however many lines it spans, headers excluded
        assert summary.sources[source].records == sum(len(csv_records(p, source)) for p in files_of(root, source))
    assert all(counts.bad > 0 for counts in summary.sources.values())
    assert summary.totals.records == sum(counts.records for counts in summary.sources.values())


# --- the contract's formats ---------------------------------------------------------------------------------

def test_json_lines_parse_and_carry_the_contract_fields(landed):
    root, summary = landed
    for source in JSONL_SOURCES:
        lines = readable_lines(root, source)
        records = parsed(root, source)
        assert len(lines) - len(records) <= summary.sources[source].bad, source
        off_contract = [r for _, r in records if set(r) != FIELDS[source]]
        assert len(off_contract) <= summary.sources[source].bad, source
        assert len(records) > 0.9 * len(lines), source


def test_clean_run_has_only_valid_json_and_no_bad_records(clean):
    root, summary = clean
    assert summary.totals.bad == 0
    for source in JSONL_SOURCES:
        lines = readable_lines(root, source)
        records = [json.loads(line) for _, line in lines]
        assert all(set(record) == FIELDS[source] for record in records), source
    event_ids = [r["event_id"] for _, r in parsed(root, "clickstream")]
    assert len(event_ids) == len(set(event_ids)) == SMALL["events"]


def test_order_change_events_have_the_debezium_envelope(clean):
    root, _ = clean
    for source, row_fields in (("orders", ORDER_ROW), ("order_items", ITEM_ROW)):
        events = [r for _, r in parsed(root, source)]
        ops = collections.Counter(e["op"] for e in events)
        assert ops["c"] and ops["r"] and (ops["u"] or source == "order_items"), ops
        for event in events:
            assert set(event["source"]) == {"table", "lsn"} and event["source"]["table"] == source
            assert isinstance(event["ts_ms"], int) and isinstance(event["source"]["lsn"], int)
            if event["op"] in ("c", "r"):
                assert event["before"] is None and set(event["after"]) == row_fields
            elif event["op"] == "u":
                assert set(event["before"]) == set(event["after"]) == row_fields
            else:
                assert event["op"] == "d" and event["after"] is None and set(event["before"]) == row_fields
        by_lsn = sorted(events, key=lambda e: e["source"]["lsn"])
        assert len({e["source"]["lsn"] for e in events}) == len(events)
        assert [e["ts_ms"] for e in by_lsn] == sorted(e["ts_ms"] for e in events)


def test_order_totals_equal_the_sum_of_their_items(clean):
    root, _ = clean

    def latest(source: str, key) -> dict:
        state = {}
        for event in sorted((r for _, r in parsed(root, source)), key=lambda e: e["source"]["lsn"]):
            state[key(event["after"] or event["before"])] = event["after"]
        return state

    def cents(amount) -> int:
        assert re.fullmatch(r"\d+(\.\d{1,2})?", str(amount)), amount
        return round(float(amount) * 100)

    orders = latest("orders", lambda row: row["order_id"])
    items = latest("order_items", lambda row: (row["order_id"], row["line_no"]))
    lines = collections.defaultdict(int)
    for (order_id, _), item in items.items():
        if item is not None:
            assert 1 <= item["quantity"] <= 5 and 0 <= cents(item["discount"]) <= item["quantity"] * cents(
                item["unit_price"])
            lines[order_id] += item["quantity"] * cents(item["unit_price"]) - cents(item["discount"])
    live = {order_id: row for order_id, row in orders.items() if row is not None}
    assert live
    assert all(cents(row["total_amount"]) == lines[order_id] for order_id, row in live.items())


def test_purchase_events_name_orders_that_exist(clean):
    root, _ = clean
    order_ids = {(r["after"] or r["before"])["order_id"] for _, r in parsed(root, "orders")}
    purchases = [r for _, r in parsed(root, "clickstream") if r["event_type"] == "purchase"]
    assert purchases and all(r["order_id"] in order_ids and r["customer_id"] for r in purchases)


def test_inventory_on_hand_follows_the_deltas(clean):
    root, _ = clean
    by_key = collections.defaultdict(list)
    for _, record in parsed(root, "inventory"):
        by_key[(record["product_id"], record["warehouse_id"])].append(record)
    for movements in by_key.values():
        movements.sort(key=lambda r: r["event_ts"])
        for previous, current in zip(movements, movements[1:]):
            assert current["qty_on_hand"] == previous["qty_on_hand"] + current["qty_delta"] >= 0


def test_csv_headers_are_the_contract_columns_in_order(landed):
    """In the contract's order, except the CRM's exports from the middle day on (its upgrade reordered them)."""
    root, _ = landed
    for source, header in HEADERS.items():
        for path in files_of(root, source):
            upgraded = source == "customers" and path.parent.name >= "dt=2026-11-21"
            headers = [row for row in csv_rows(path) if KEYS[source] in row]
            assert headers and headers[0] == csv_rows(path)[0], path
            assert all(row == (CRM_UPGRADED_HEADER if upgraded else header) for row in headers), path
    assert sorted(CRM_UPGRADED_HEADER) == sorted(HEADERS["customers"]) != CRM_UPGRADED_HEADER


def test_log_lines_are_combined_log_format_with_real_world_variants(landed):
    root, summary = landed
    lines = [line for _, line in readable_lines(root, "server_logs")]
    matches = [COMBINED_LOG.match(line) for line in lines]
    assert sum(m is None for m in matches) <= summary.sources["server_logs"].bad
    matched = [m for m in matches if m]
    assert any(m["seconds"] is None for m in matched) and any(m["seconds"] for m in matched)
    assert any(m["bytes"] == "-" for m in matched)
    assert any('\\"' in m.group(0) for m in matched)
    assert 0.002 < sum(m["status"].startswith("5") for m in matched) / len(matched) < 0.05


def test_funnel_and_visitors_look_like_a_shop(tmp_path):
    generate(tmp_path, customers=300, events=30_000, days=2, bad_rate=0.0, progress=False)
    events = [r for _, r in parsed(tmp_path, "clickstream")]
    sessions = collections.defaultdict(set)
    for event in events:
        sessions[event["session_id"]].add(event["event_type"])
    share = {step: sum(step in types for types in sessions.values()) / len(sessions)
             for step in ("product_view", "add_to_cart", "checkout_start", "purchase")}
    assert share["product_view"] > share["add_to_cart"] > share["checkout_start"] > share["purchase"]
    assert 0.015 <= share["purchase"] <= 0.05
    assert 0.2 <= sum(e["customer_id"] is None for e in events) / len(events) <= 0.4
    assert collections.Counter(e["device"] for e in events).most_common(1)[0][0] == "mobile"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?(Z|\+01:00)", e["event_ts"]) for e in events)


# --- CSV as real exporters write it: valid records, not faults ---------------------------------------------

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def test_crm_exports_start_with_a_bom_and_end_every_line_with_crlf(landed):
    root, _ = landed
    for path in files_of(root, "customers"):
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbfcustomer_id,"), path
        assert data.count(b"\r\n") == data.count(b"\n") >= 1, path
    for source in ("products", "fx_rates"):
        for path in files_of(root, source):
            data = path.read_bytes()
            assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data and b"\n" in data, path


def test_some_files_of_every_csv_source_end_without_a_newline(landed):
    root, _ = landed
    for source in KEYS:
        ends = {path: path.read_bytes().endswith(b"\n") for path in files_of(root, source)}
        assert any(ends.values()) and not all(ends.values()), source
        for path in (p for p, newline in ends.items() if not newline):
            assert not path.read_bytes().endswith(b"\r") and csv_rows(path)[-1], path
            if source == "fx_rates":  # no fault changes an fx row's width: the last one is whole
                last = csv_rows(path)[-1]
                assert len(last) == 3 and float(last[2]) > 0 and path.read_bytes().endswith(last[2].encode())


def test_the_crm_reordered_its_columns_and_values_follow_their_names(landed, shop):
    root, _ = landed
    assert [p.parent.name for p in files_of(root, "customers") if csv_rows(p)[0] == CRM_UPGRADED_HEADER] == [
        "dt=2026-11-21"]
    reordered = [r for p in files_of(shop, "customers") if csv_rows(p)[0] == CRM_UPGRADED_HEADER
                 for r in named_records(p, "customers")]
    assert reordered
    for record in reordered:
        assert re.fullmatch(r"C\d{5}", record["customer_id"]) and re.fullmatch(r"[A-Z]{2}", record["country"])
        assert re.fullmatch(TIMESTAMP, record["updated_at"]) and re.fullmatch(TIMESTAMP, record["signup_ts"])
        assert record["marketing_opt_in"] in ("true", "false") and "@" in record["email"]
        assert re.fullmatch(r"(\d{4}-\d\d-\d\d)?", record["birth_date"])


def test_a_quoted_line_break_stays_inside_one_record(landed, shop):
    root, _ = landed
    multi_line = []
    for path in files_of(root, "products"):
        rows, data = csv_rows(path), path.read_bytes()
        breaks_in_values = sum(value.count("\n") for row in rows for value in row)
        assert data.count(b"\n") + (not data.endswith(b"\n")) == len(rows) + breaks_in_values, path
        multi_line += [r for r in named_records(path, "products") if "\n" in r["name"]]
    assert multi_line and re.search(rb',"[^"\n]+\n[^"\n]+",', b"".join(p.read_bytes()
                                                                  for p in files_of(root, "products")))
    for record in multi_line:
        brand, rest = record["name"].split("\n")
        assert brand and rest and record["category"] in CATEGORIES, record
        assert record["currency"] == "USD" and record["active"] in ("true", "false"), record
    catalog = named_records(files_of(shop, "products")[0], "products")
    assert 3 <= sum("\n" in r["name"] for r in catalog) <= 5  # a handful per export


def test_quoted_commas_and_doubled_quotes_read_back_as_values(shop):
    customers = [r for p in files_of(shop, "customers") for r in named_records(p, "customers")]
    products = [r for p in files_of(shop, "products") for r in named_records(p, "products")]
    nicknames = {r["first_name"] for r in customers if '"' in r["first_name"]}
    assert nicknames and all(re.fullmatch(r'\w+ "\w+"', name) for name in nicknames), nicknames
    assert any(re.search(r'\d"', r["name"]) for r in products)  # a size in inches
    assert any(r["city"] == "Washington, D.C." for r in customers) and any("," in r["name"] for r in products)
    raw = b"".join(p.read_bytes() for source in ("customers", "products") for p in files_of(shop, source))
    assert b'""' in raw and b'"Washington, D.C."' in raw


def test_most_crm_records_have_empty_cells_but_never_in_the_required_columns(shop):
    records = {source: [r for p in files_of(shop, source) for r in named_records(p, source)] for source in KEYS}
    for source, required in ALWAYS_FILLED.items():
        assert records[source] and all(r[name] for r in records[source] for name in required), source
    customers, products = records["customers"], records["products"]
    assert sum("" in r.values() for r in customers) > 0.5 * len(customers)
    assert 0.4 < sum(r["phone"] == "" for r in customers) / len(customers) < 0.8
    assert any(r["birth_date"] == "" for r in customers) and any(r["postal_code"] == "" for r in customers)
    assert any(r["brand"] == "" for r in products) and any(r["subcategory"] == "" for r in products)
    assert sum("" in r.values() for r in products) < 0.5 * len(products)


def test_a_catalog_file_is_two_exports_joined_each_with_its_own_header(landed):
    root, _ = landed
    joined = [p for p in files_of(root, "products") if csv_rows(p).count(HEADERS["products"]) == 2]
    assert len(joined) == 1 and joined[0].read_bytes().count(b"product_id,sku,name,") == 2
    rows = csv_rows(joined[0])
    assert rows[0] == HEADERS["products"] and 1 < rows.index(HEADERS["products"], 1) < len(rows) - 1


# --- every kind of bad input ---------------------------------------------------------------------------------

def test_bad_files_empty_truncated_and_misplaced(landed):
    root, _ = landed
    everything = [p for source in ALL_SOURCES for p in files_of(root, source)]
    assert any(p.stat().st_size == 0 for p in everything)
    truncated = []
    for path in (p for p in everything if p.suffix == ".gz"):
        try:
            gzip.decompress(path.read_bytes())
        except EOFError:
            truncated.append(path)
    assert truncated
    assert any("review_id" in record for _, record in parsed(root, "search"))


def test_bad_records_of_every_kind(landed):
    root, _ = landed
    lines = [line for source in JSONL_SOURCES for _, line in readable_lines(root, source)]
    unparseable = 0
    for line in lines:
        try:
            json.loads(line)
        except json.JSONDecodeError:
            unparseable += 1
    assert unparseable
    clicks = [r for _, r in parsed(root, "clickstream")]
    assert any(set(r) - FIELDS["clickstream"] for r in clicks)  # schema drift
    assert any(r.get("event_id") is None or "session_id" not in r for r in clicks)  # required missing or null
    assert any(r.get("event_type") not in ("page_view", "product_view", "add_to_cart", "remove_from_cart",
                                           "checkout_start", "purchase") for r in clicks)
    assert any(len(str(r.get("page_url"))) >= 10_000 for r in clicks)
    assert any("\u0007" in str(r.get("user_agent")) and "\t" in str(r.get("user_agent")) for r in clicks)
    ratings = [r.get("rating") for _, r in parsed(root, "reviews")]
    assert any(isinstance(rating, str) for rating in ratings) and any(rating in (0, 7) for rating in ratings)
    assert any(r.get("qty_on_hand", 0) < 0 for _, r in parsed(root, "inventory")
               if isinstance(r.get("qty_on_hand"), int))
    quantities = [(r.get("after") or {}).get("quantity") for _, r in parsed(root, "order_items")]
    assert any(isinstance(q, str) for q in quantities)
    assert any(re.search(r"[^\x00-\x7f]", str(r.get("query"))) for _, r in parsed(root, "search"))
    logs = [line for _, line in readable_lines(root, "server_logs")]
    assert any(COMBINED_LOG.match(line) is None for line in logs)


def test_bad_csv_rows_have_too_many_and_too_few_fields(landed):
    root, _ = landed
    for source in ("customers", "products"):
        widths = {len(row) for path in files_of(root, source) for row in csv_records(path, source)}
        expected = len(HEADERS[source])
        assert expected in widths and max(widths) > expected and min(widths) < expected, source
        records = [r for path in files_of(root, source) for r in named_records(path, source)]
        assert any(r[KEYS[source]] == "" for r in records), source  # required key missing: an empty cell


def test_bad_delivery_duplicates_late_and_out_of_order(landed):
    root, _ = landed
    clicks = parsed(root, "clickstream")
    per_file = collections.Counter((path, r.get("event_id")) for path, r in clicks if r.get("event_id"))
    assert any(count > 1 for count in per_file.values())  # twice in one file
    files_per_id = collections.defaultdict(set)
    for path, record in clicks:
        files_per_id[record.get("event_id")].add(path.parent.name)
    assert any(len(folders) > 1 for event_id, folders in files_per_id.items() if event_id)  # across days
    late = [r for path, r in clicks if isinstance(r.get("event_ts"), str) and len(files_per_id[r["event_id"]]) == 1
            and utc_date(r["event_ts"]) < datetime.date.fromisoformat(path.parent.name.removeprefix("dt="))]
    assert late  # the only copy of an event lands in a later day's folder
    highest, out_of_order = 0, False
    for path in files_of(root, "orders"):
        lsns = [r["source"]["lsn"] for p, r in parsed(root, "orders") if p == path and "source" in r]
        out_of_order |= bool(lsns) and min(lsns) < highest  # a later position already arrived in an earlier file
        highest = max([highest, *lsns])
    assert out_of_order
    lsn_seen = collections.Counter(r["source"]["lsn"] for _, r in parsed(root, "orders") if "source" in r)
    assert any(count > 1 for count in lsn_seen.values())  # redelivered

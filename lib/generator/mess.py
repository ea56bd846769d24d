"""Bad records: every way a single record of the landing contract can arrive broken.

A fault turns one clean record into a bad one (never in place: the clean
record may be shared). Each source lists the faults that make sense for it,
by kind, so the summary can say how many were injected and the docs which.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Callable

from lakehouse.lib.generator.files import LandingFile, Row

Fault = Callable[[random.Random, Row], Row]
LONG_STRING_CHARS = 10_240
MAX_LONG_STRINGS = 3
FILLER = "All work and no play makes a very long string. "
NON_ASCII_QUERIES = ("café crème", "größe 42 schuhe", "żółty plecak", "東京 バッグ", "naïve résumé", "smörgåsbord")
NON_ASCII_TEXTS = ("Super produit 👍 très pratique", "とても良い商品です。また買います。", "Ótimo, chegou rápido 😊")


@dataclass(frozen=True)
class RecordFault:
    kind: str
    spoil: Fault

    @property
    def most(self) -> int | None:
        """Very long strings are costly for everyone; a few make the point."""
        return MAX_LONG_STRINGS if self.kind == "long_string" else None


def broken_json(rng: random.Random, record: Row) -> Row:
    """A line cut mid-record, as a crashed writer leaves it."""
    text = json.dumps(record, ensure_ascii=False)
    return text[:rng.randint(len(text) // 3, len(text) - 2)]


def setting(name: str, *values: object) -> Fault:
    return lambda rng, record: {**record, name: rng.choice(values)}


def dropping(name: str) -> Fault:
    return lambda rng, record: {key: value for key, value in record.items() if key != name}


def lengthening(name: str) -> Fault:
    def spoil(rng: random.Random, record: Row) -> Row:
        value = str(record.get(name) or "")
        return {**record, name: value + " " + FILLER * (LONG_STRING_CHARS // len(FILLER) + 1)}
    return spoil


def with_control_chars(name: str) -> Fault:
    def spoil(rng: random.Random, record: Row) -> Row:
        value = str(record.get(name) or "")
        cut = rng.randint(0, len(value))
        return {**record, name: f"{value[:cut]}\u0007\t{value[cut:]}"}
    return spoil


def in_after(fault: Fault) -> Fault:
    """A fault inside a change event's new row."""
    return lambda rng, event: {**event, "after": fault(rng, event["after"])}


def cell(index: int, *values: str) -> Fault:
    return lambda rng, row: [*row[:index], rng.choice(values), *row[index + 1:]]


def too_many_fields(rng: random.Random, row: Row) -> Row:
    """A row split by an unquoted comma, as a naive export writes ``Washington, D.C.``."""
    cut = rng.randint(2, len(row) - 1)
    return [*row[:cut], "D.C.", *row[cut:]]


def too_few_fields(rng: random.Random, row: Row) -> Row:
    return row[:rng.randint(2, len(row) - 2)]


def cut_line(rng: random.Random, line: Row) -> Row:
    return line[:rng.randint(10, len(line) // 2)]


def error_log_line(rng: random.Random, line: Row) -> Row:
    """A line from the server's error log, mixed into the access log."""
    return ("2026/11/20 14:02:11 [error] 2211#2211: *48213 upstream timed out (110: Connection timed out) "
            "while reading response header from upstream, client: 198.51.100.23")


def long_request(rng: random.Random, line: Row) -> Row:
    return line.replace(" HTTP/", "?q=" + "a" * LONG_STRING_CHARS + " HTTP/", 1)


def control_chars_in_line(rng: random.Random, line: Row) -> Row:
    return line.replace('" "', '" "\u0007\t', 1)


def non_ascii_request(rng: random.Random, line: Row) -> Row:
    method_end = line.index('"') + 1
    path_start = line.index(" ", method_end) + 1
    path_end = line.index(" ", path_start)
    return line[:path_start] + "/search?q=" + rng.choice(NON_ASCII_QUERIES).replace(" ", "+") + line[path_end:]


RECORD_FAULTS: dict[str, tuple[RecordFault, ...]] = {
    "clickstream": (
        RecordFault("not_json", broken_json),
        RecordFault("wrong_type", setting("customer_id", 40213, 10457)),
        RecordFault("missing_required", setting("event_id", None)),
        RecordFault("missing_required", dropping("session_id")),
        RecordFault("out_of_range", setting("event_type", "hover", "scroll")),
        RecordFault("out_of_range", setting("device", "smart-fridge")),
        RecordFault("schema_drift", setting("utm_campaign", "black_friday_2026", "newsletter_w47")),
        RecordFault("long_string", lengthening("page_url")),
        RecordFault("control_chars", with_control_chars("user_agent")),
        RecordFault("non_ascii", setting("referrer", "https://www.google.de/search?q=größe+schuhe")),
    ),
    "search": (
        RecordFault("not_json", broken_json),
        RecordFault("wrong_type", setting("results_count", "many", "12 results")),
        RecordFault("missing_required", dropping("search_id")),
        RecordFault("missing_required", setting("query", "   ", "")),
        RecordFault("out_of_range", setting("results_count", -3)),
        RecordFault("out_of_range", setting("clicked_position", 0)),
        RecordFault("schema_drift", setting("experiment", "ranker_v2")),
        RecordFault("long_string", lengthening("query")),
        RecordFault("control_chars", with_control_chars("query")),
        RecordFault("non_ascii", setting("query", *NON_ASCII_QUERIES)),
    ),
    "inventory": (
        RecordFault("not_json", broken_json),
        RecordFault("wrong_type", setting("qty_delta", "three", "-2 units")),
        RecordFault("missing_required", setting("product_id", None)),
        RecordFault("out_of_range", setting("qty_on_hand", -4, -1)),
        RecordFault("out_of_range", setting("reason", "stolen", "transfer")),
        RecordFault("schema_drift", setting("bin_location", "A-12-03")),
    ),
    "reviews": (
        RecordFault("not_json", broken_json),
        RecordFault("wrong_type", setting("rating", "five", "4 stars")),
        RecordFault("missing_required", dropping("review_id")),
        RecordFault("missing_required", setting("product_id", None)),
        RecordFault("out_of_range", setting("rating", 7, 0)),
        RecordFault("schema_drift", setting("helpful_votes", 3, 12)),
        RecordFault("long_string", lengthening("body")),
        RecordFault("control_chars", with_control_chars("body")),
        RecordFault("non_ascii", setting("body", *NON_ASCII_TEXTS)),
    ),
    "orders": (
        RecordFault("not_json", broken_json),
        RecordFault("wrong_type", in_after(setting("total_amount", "n/a", "12,50"))),
        RecordFault("missing_required", in_after(setting("order_id", None))),
        RecordFault("out_of_range", in_after(setting("status", "lost", "on_hold"))),
        RecordFault("schema_drift", in_after(setting("coupon_code", "BF26", "WELCOME10"))),
        RecordFault("schema_drift", setting("transaction", {"id": "571:3419", "total_order": 2})),
    ),
    "order_items": (
        RecordFault("not_json", broken_json),
        RecordFault("wrong_type", in_after(setting("quantity", "two", "1.5"))),
        RecordFault("missing_required", in_after(setting("product_id", None))),
        RecordFault("out_of_range", in_after(setting("quantity", 0, -1))),
        RecordFault("schema_drift", in_after(setting("gift_wrap", True))),
    ),
    "server_logs": (
        RecordFault("not_log_format", cut_line),
        RecordFault("not_log_format", error_log_line),
        RecordFault("long_string", long_request),
        RecordFault("control_chars", control_chars_in_line),
        RecordFault("non_ascii", non_ascii_request),
    ),
    "customers": (
        RecordFault("too_many_fields", too_many_fields),
        RecordFault("too_few_fields", too_few_fields),
        RecordFault("missing_required", cell(0, "")),
        RecordFault("wrong_type", cell(5, "31/12/1980", "unknown")),
        RecordFault("out_of_range", cell(10, "yes", "maybe")),
        RecordFault("control_chars", cell(2, "Ann\u0007a", "Jo\tse")),
    ),
    "products": (
        RecordFault("too_many_fields", too_many_fields),
        RecordFault("too_few_fields", too_few_fields),
        RecordFault("missing_required", cell(0, "")),
        RecordFault("wrong_type", cell(6, "N/A", "12,99")),
        RecordFault("out_of_range", cell(6, "-5.00")),
    ),
}


def spoil_records(rng: random.Random, source: str, files: list[LandingFile], per_kind: int) -> set[int]:
    """Replace clean records with bad ones, ``per_kind`` of each kind; returns the ids of the bad rows."""
    faults = RECORD_FAULTS.get(source, ())
    plan: list[RecordFault] = []
    for kind in dict.fromkeys(fault.kind for fault in faults):
        variants = [fault for fault in faults if fault.kind == kind]
        plan += [variants[i % len(variants)] for i in range(min(per_kind, variants[0].most or per_kind))]
    candidates = [(f, r) for f, landing_file in enumerate(files) for r, row in enumerate(landing_file.rows)
                  if _spoilable(row)]
    spoiled: set[int] = set()
    for fault, (f, r) in zip(plan, rng.sample(candidates, min(len(plan), len(candidates)))):
        files[f].rows[r] = fault.spoil(rng, files[f].rows[r])
        files[f].bad += 1
        spoiled.add(id(files[f].rows[r]))
    return spoiled


def _spoilable(row: Row) -> bool:
    """Clean records only; a change event's deletes stay clean so the business story holds."""
    if isinstance(row, dict) and "op" in row:
        return row["after"] is not None
    return True

"""The messages: the generator's records as files hold them, keyed by natural key, Kafka's faults on top."""
from __future__ import annotations

import datetime
import gzip
import json
import zlib
from collections import Counter
from pathlib import Path

import pytest

from lakehouse.lib.generator import generate, source_records
from lakehouse.lib.sources.kafka_messages import message, record_key, topic_messages

EVENT_SOURCES = ("clickstream", "search", "inventory", "orders", "order_items", "reviews", "server_logs")
SMALL = {"customers": 50, "events": 400, "days": 2, "seed": 11, "start": datetime.date(2026, 11, 20)}


def landed_lines(folder: Path) -> Counter:
    lines: Counter = Counter()
    for path in folder.rglob("part-*"):
        try:
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        except (EOFError, zlib.error):  # the truncated gzip file: a fault of files, not sent to Kafka
            continue
        lines.update(data.decode("utf-8").splitlines())
    return lines


def test_the_records_are_the_lines_the_generator_lands(tmp_path: Path) -> None:
    generate(tmp_path, progress=False, **SMALL)
    records = source_records(**SMALL)
    for source in EVENT_SOURCES:
        sent = Counter(message(source, row).value.decode("utf-8") for row in records[source])
        assert sent == landed_lines(tmp_path / source), source


@pytest.mark.parametrize(("source", "row", "key"), [
    ("clickstream", {"event_id": "E1", "event_type": "page_view"}, b"E1"),
    ("reviews", {"review_id": "R7", "rating": "five"}, b"R7"),
    ("clickstream", {"event_id": None, "event_type": "page_view"}, None),
    ("search", '{"search_id": "S1", "que', None),
    ("server_logs", '203.0.113.7 - - [20/Nov/2026:10:15:30 +0000] "GET / HTTP/1.1" 200 5', None),
    ("orders", {"op": "u", "before": {"order_id": "O1"}, "after": {"order_id": "O1"}}, b'{"order_id": "O1"}'),
    ("order_items", {"op": "d", "before": {"order_id": "O1", "line_no": 2}, "after": None},
     b'{"order_id": "O1", "line_no": 2}'),
])
def test_a_record_is_keyed_by_its_natural_key(source: str, row: object, key: bytes | None) -> None:
    assert record_key(source, row) == key


def test_without_bad_rate_the_messages_are_the_records_in_their_order() -> None:
    records = {"clickstream": [{"event_id": f"E{n}"} for n in range(6)], "search": [{"search_id": "S0"},
                                                                                  {"search_id": "S1"}]}
    messages = topic_messages(records, 6, bad_rate=0, seed=1)
    # each record at (index + 0.5) / records of its source: E0 .08, E1 .25, S0 .25, E2 .42, E3 .58, E4 .75 ...
    assert [(m.source, m.key) for m in messages] == [
        ("clickstream", b"E0"), ("clickstream", b"E1"), ("search", b"S0"), ("clickstream", b"E2"),
        ("clickstream", b"E3"), ("clickstream", b"E4")]
    assert messages[0].value == b'{"event_id": "E0"}' and all(m.fault is None for m in messages)


def test_a_bad_rate_replaces_messages_with_each_kafka_fault() -> None:
    records = source_records(**SMALL)
    messages = topic_messages({source: records[source] for source in EVENT_SOURCES}, 300, 0.06, seed=11)
    assert len(messages) == 300
    # 0.06 x 300 over 6 kinds: 3 of each; oversized messages are capped at 2
    assert Counter(m.fault for m in messages if m.fault) == {
        "not_json": 3, "null_value": 3, "tombstone": 3, "unknown_fields": 3, "wrong_topic": 3, "oversized": 2}
    for m in messages:
        if m.fault == "tombstone":
            assert m.key is not None and m.value is None
        elif m.fault == "null_value":
            assert m.key is None and m.value is None
        elif m.fault == "oversized":
            assert len(m.value) > 512 * 1024 and len(m.key or b"") < 100
        elif m.fault == "unknown_fields":
            assert set(json.loads(m.value)) == {"schema", "payload"}
        elif m.fault == "not_json":
            with pytest.raises(UnicodeDecodeError):
                m.value.decode("utf-8")

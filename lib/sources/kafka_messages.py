"""What the event sources put on their Kafka topics, the bad messages only Kafka delivers included.

A message is one record of the landing contract: its value is the JSON line the file would hold (a
server log line as text, a change event in its Debezium envelope), UTF-8; its key is the record's
natural key (the id as text; for change events, Debezium's key: the primary key as a JSON object),
none where the record has none or it cannot be read. The records are the generator's
(``generator.source_records``), its bad ones included; on top, a share of messages is replaced by what
goes wrong on Kafka itself (``KAFKA_FAULTS``), each of them kept in bronze and quarantined in silver.
"""
from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass
from typing import Callable, Mapping

from lakehouse.lib.generator.files import Row

NATURAL_KEYS = {
    "clickstream": ("event_id",),
    "search": ("search_id",),
    "inventory": ("event_id",),
    "orders": ("order_id",),
    "order_items": ("order_id", "line_no"),
    "reviews": ("review_id",),
    "server_logs": (),
}
CHANGE_SOURCES = {"orders", "order_items"}
OVERSIZED_BYTES = 512 * 1024  # far past any real event, under the 1 MiB a broker accepts by default
MAX_OVERSIZED = 2
FILLER = "All work and no play makes a very long message. "
AVRO_MAGIC = b"\x00\x00\x00\x00\x07"  # Confluent's wire format: magic byte 0, schema id 7


@dataclass(frozen=True)
class Message:
    source: str  # the source whose topic it is published to
    key: bytes | None
    value: bytes | None
    fault: str | None = None  # the Kafka fault it carries; None for a generator record, bad or not


def message(source: str, row: Row) -> Message:
    value = row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)
    return Message(source, record_key(source, row), value.encode("utf-8"))


def record_key(source: str, row: Row) -> bytes | None:
    """The natural key of a record, None when it has none (a log line, a cut line, a null id)."""
    fields = NATURAL_KEYS[source]
    image = row
    if source in CHANGE_SOURCES and isinstance(row, dict):
        image = row.get("after") or row.get("before")
    if not fields or not isinstance(image, dict) or any(image.get(name) is None for name in fields):
        return None
    if source in CHANGE_SOURCES:
        return json.dumps({name: image[name] for name in fields}).encode("utf-8")
    return str(image[fields[0]]).encode("utf-8")


def not_json(rng: random.Random, source: str, row: Row, pool: Mapping[str, list[Row]]) -> Message:
    """A producer set up with an Avro serializer: binary, not even UTF-8."""
    return Message(source, record_key(source, row), AVRO_MAGIC + rng.randbytes(24))


def null_value(rng: random.Random, source: str, row: Row, pool: Mapping[str, list[Row]]) -> Message:
    """No key and no value: a producer that sent nothing."""
    return Message(source, None, None)


def tombstone(rng: random.Random, source: str, row: Row, pool: Mapping[str, list[Row]]) -> Message:
    """A record's key with a null value, as a compacted topic marks a deletion."""
    return Message(source, record_key(source, row), None)


def oversized(rng: random.Random, source: str, row: Row, pool: Mapping[str, list[Row]]) -> Message:
    """The record with its longest text (not its key) grown past ``OVERSIZED_BYTES``; the same key."""
    padding = FILLER * (OVERSIZED_BYTES // len(FILLER) + 1)
    if isinstance(row, str):
        return Message(source, None, f"{row} {padding}".encode("utf-8"))
    image_name = "after" if isinstance(row.get("after"), dict) else None
    image = row[image_name] if image_name else row
    texts = [name for name, value in image.items()
             if isinstance(value, str) and name not in NATURAL_KEYS[source]]
    longest = max(texts or ["note"], key=lambda name: len(str(image.get(name) or "")))
    grown = {**image, longest: f"{image.get(longest) or ''} {padding}"}
    return Message(source, record_key(source, row), message(source, {**row, image_name: grown} if image_name
                                                                     else grown).value)


def unknown_fields(rng: random.Random, source: str, row: Row, pool: Mapping[str, list[Row]]) -> Message:
    """The record inside Kafka Connect's JSON envelope (``schemas.enable=true``): unknown fields on top."""
    envelope = {"schema": {"type": "struct", "optional": False, "name": f"{source}.Value"}, "payload": row}
    return Message(source, record_key(source, row), message(source, envelope).value)


def wrong_topic(rng: random.Random, source: str, row: Row, pool: Mapping[str, list[Row]]) -> Message:
    """Another source's record, with its own key, on this source's topic."""
    other = rng.choice(sorted(name for name, rows in pool.items() if name != source and rows))
    stray = message(other, rng.choice(pool[other]))
    return Message(source, stray.key, stray.value)


KafkaFault = Callable[[random.Random, str, Row, Mapping[str, list[Row]]], Message]
KAFKA_FAULTS: dict[str, KafkaFault] = {
    "not_json": not_json,
    "null_value": null_value,
    "tombstone": tombstone,
    "oversized": oversized,
    "unknown_fields": unknown_fields,
    "wrong_topic": wrong_topic,
}
TEXT_SOURCES = {"server_logs"}  # one line of text: no JSON to wrap, no key to delete


def faults_of(source: str) -> list[str]:
    if source in TEXT_SOURCES:
        return [kind for kind in KAFKA_FAULTS if kind not in ("unknown_fields", "tombstone")]
    return list(KAFKA_FAULTS)


def _fits(kind: str, source: str, row: Row) -> bool:
    """A fault applies to a source it makes sense for; a tombstone needs a key to delete."""
    return kind in faults_of(source) and (kind != "tombstone" or record_key(source, row) is not None)


def topic_messages(records: Mapping[str, list[Row]], count: int, bad_rate: float, seed: int) -> list[Message]:
    """``count`` messages over every source, each source's records in their order and the sources mixed in
    proportion to their volume; ``bad_rate`` of them (at least one of each kind of Kafka fault a source can
    suffer, when above 0) replaced by a Kafka fault."""
    mixed = sorted(((index + 0.5) / len(rows), order, source, row)
                   for order, (source, rows) in enumerate(records.items()) for index, row in enumerate(rows))
    picked = [(source, row) for _, _, source, row in mixed[:count]]
    messages = [message(source, row) for source, row in picked]
    if bad_rate <= 0:
        return messages
    rng = random.Random(f"{seed}/kafka-faults")
    kinds = {kind for source in {source for source, _ in picked} for kind in faults_of(source)}
    per_kind = max(1, round(bad_rate * len(messages) / len(KAFKA_FAULTS)))
    spoiled: set[int] = set()
    for kind in sorted(kinds):
        order = rng.sample(range(len(messages)), len(messages))  # anew per kind: none gets the leftovers
        wanted = min(per_kind, MAX_OVERSIZED) if kind == "oversized" else per_kind
        fitting = (index for index in order if index not in spoiled and _fits(kind, *picked[index]))
        for index in itertools.islice(fitting, wanted):
            source, row = picked[index]
            messages[index] = _as_fault(KAFKA_FAULTS[kind](rng, source, row, records), kind)
            spoiled.add(index)
    return messages


def _as_fault(spoiled: Message, kind: str) -> Message:
    return Message(spoiled.source, spoiled.key, spoiled.value, kind)

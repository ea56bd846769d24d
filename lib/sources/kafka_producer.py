"""Publishing messages to the sources' topics at a steady rate, counting what the cluster acknowledged.

The n-th message leaves ``n / rate`` seconds after the first, so a consumer sees a steady stream rather
than one burst; a message counts once the broker has acknowledged it (``acks=all``, idempotent, so a
retry never writes one twice).
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Sequence

from confluent_kafka import KafkaError, Message as Delivered, Producer
from confluent_kafka.admin import AdminClient

from lakehouse.lib.config import Kafka
from lakehouse.lib.sources.kafka_cluster import client_options, require_topics
from lakehouse.lib.sources.kafka_messages import OVERSIZED_BYTES, Message

FLUSH_SECONDS = 60.0


@dataclass
class TopicCounts:
    messages: int = 0
    bytes: int = 0
    faults: Counter[str] = field(default_factory=Counter)  # Kafka faults among the messages, by kind


@dataclass
class Published:
    topics: dict[str, TopicCounts]  # by topic
    failed: int
    first_error: str
    seconds: float
    interrupted: bool = False  # Ctrl-C: what was queued is still delivered and counted

    @property
    def messages(self) -> int:
        return sum(counts.messages for counts in self.topics.values())


def publish(kafka: Kafka, messages: Sequence[Message], rate: float,
            on_sent: Callable[[int], None] = lambda sent: None) -> Published:
    """Send ``messages`` to their source's topic, ``rate`` a second; the topics must exist."""
    options = client_options(kafka)
    require_topics(AdminClient(options), kafka, sorted({kafka.topics[m.source] for m in messages}))
    producer = Producer({**options, "enable.idempotence": True, "linger.ms": 20,
                         "message.max.bytes": 2 * OVERSIZED_BYTES})
    published = Published({kafka.topics[source]: TopicCounts() for source in kafka.topics}, 0, "", 0.0)

    def delivered(fault: str | None, error: KafkaError | None, sent: Delivered) -> None:
        if error is not None:
            published.failed += 1
            published.first_error = published.first_error or error.str()
            return
        counts = published.topics[sent.topic()]
        counts.messages += 1
        counts.bytes += len(sent.value() or b"")
        if fault:
            counts.faults[fault] += 1

    started = time.monotonic()
    try:
        for number, message in enumerate(messages):
            while (wait := started + number / rate - time.monotonic()) > 0:
                producer.poll(min(wait, 0.05))
            _produce(producer, kafka.topics[message.source], message,
                     lambda error, sent, fault=message.fault: delivered(fault, error, sent))
            if number % 100 == 0:
                on_sent(number)
    except KeyboardInterrupt:
        published.interrupted = True
    unsent = producer.flush(FLUSH_SECONDS)
    published.failed += unsent
    published.seconds = time.monotonic() - started
    return published


def _produce(producer: Producer, topic: str, message: Message, report: Callable) -> None:
    """Queue one message; a full local queue is drained (delivery reports served) until it fits."""
    while True:
        try:
            producer.produce(topic, value=message.value, key=message.key, on_delivery=report)
            producer.poll(0)
            return
        except BufferError:
            producer.poll(0.1)

"""The project's Spark session reads a topic with Spark's Kafka connector (jvm/pom.xml, in .jars)."""
from __future__ import annotations

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from pyspark.sql import SparkSession

from lakehouse.lib import config


def test_spark_reads_a_topic_with_the_configured_options(spark: SparkSession, kafka: config.Kafka) -> None:
    admin = AdminClient({"bootstrap.servers": kafka.bootstrap_servers})
    created = admin.create_topics([NewTopic("spark_check", num_partitions=1, replication_factor=1)])
    created["spark_check"].result()
    producer = Producer({"bootstrap.servers": kafka.bootstrap_servers})
    sent = ((b"E1", b'{"event_id": "E1"}'), (b"E2", '{"query": "größe 42"}'.encode()), (None, None))
    for key, value in sent:
        producer.produce("spark_check", key=key, value=value)
    assert producer.flush(30) == 0

    options = kafka.model_copy(update={"topics": {"clickstream": "spark_check"}}).spark_options("clickstream")
    rows = (spark.read.format("kafka").options(**options).load()
            .selectExpr("topic", "CAST(key AS STRING) AS key", "CAST(value AS STRING) AS value", "offset")
            .orderBy("offset").collect())
    assert [(r.topic, r.key, r.value, r.offset) for r in rows] == [
        ("spark_check", "E1", '{"event_id": "E1"}', 0),
        ("spark_check", "E2", '{"query": "größe 42"}', 1),
        ("spark_check", None, None, 2),
    ]

"""Truncated IP addresses: the same networks as Python's ``ipaddress``, NULL for what is not an address."""
from __future__ import annotations

import ipaddress

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.lib.networks import network

ADDRESSES = ["203.0.113.7", "10.0.0.255", "0.0.0.0", "255.255.255.255", " 198.51.100.42 ",
             "2001:db8:85a3::8a2e:370:7334", "2001:0DB8:0000:0000:0000:ff00:0042:8329", "2001:db8::1", "::1", "::",
             "fe80::", "2001:0:85a3::", "0:0:1::", "2001:10:0:1:2:3:4:5", "1:2:3:4:5:6:7:8"]
NOT_ADDRESSES = ["256.1.1.1", "1.2.3", "010.1.1.1", "1.2.3.4.5", "2001:db8::1::2", "1:2:3:4:5:6:7:8:9",
                 "::ffff:192.0.2.1", "gggg::", "-", "", None]


def expected(address: str) -> str:
    parsed = ipaddress.ip_address(address.strip())
    return str(ipaddress.ip_network(f"{parsed}/{24 if parsed.version == 4 else 48}", strict=False))


def networks(spark: SparkSession, values: list[str | None]) -> list[str | None]:
    rows = spark.createDataFrame([(i, v) for i, v in enumerate(values)], "i int, ip string")
    return [row.net for row in rows.orderBy("i").select(network(F.col("ip")).alias("net")).collect()]


def test_each_address_becomes_its_network_as_python_writes_it(spark: SparkSession) -> None:
    assert networks(spark, ADDRESSES) == [expected(address) for address in ADDRESSES]


def test_what_is_not_an_address_has_no_network(spark: SparkSession) -> None:
    assert dict(zip(NOT_ADDRESSES, networks(spark, NOT_ADDRESSES))) == dict.fromkeys(NOT_ADDRESSES)

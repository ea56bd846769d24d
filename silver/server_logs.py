"""Web server requests, parsed from access log lines; the client IP pseudonymised, its network kept.

Grain: one row per request line (logs carry no key: a line is a request).
"""
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.bronze.server_logs import FIELDS
from lakehouse.lib.fields import LINEAGE, field_rules, typed
from lakehouse.lib.networks import network
from lakehouse.lib.quality.checks import Fresh, RowCount
from lakehouse.lib.registry import table
from lakehouse.lib.rules import between, record_is_parseable

REQUEST = r"^(\S+) (\S+)(?: (\S+))?$"
COLUMNS = ("ts", "minute", "ip", "ip_network", "request", "method", "path", "protocol", "status", "bytes_sent", "referrer",
           "user_agent", "request_time", "response_ms")

RULES = (
    record_is_parseable(),
    *field_rules(FIELDS),
    between("status", 100, 599),
)
CHECKS = (Fresh(column="ts"), RowCount(low=1))


def unescaped(column: str) -> Column:
    """Log servers write a quote inside a quoted field as ``\\"``; analysts want the quote."""
    return F.regexp_replace(column, r'\\(["\\])', "$1")


def request_part(group: int) -> Column:
    """Method (1), path (2) or protocol (3) of a request line such as ``GET /cart HTTP/1.1``."""
    return F.nullif(F.regexp_extract("request", REQUEST, group), F.lit(""))


@table("silver.server_logs", source="bronze.server_logs", rules=RULES, checks=CHECKS, pseudonyms={"ip": "ip"},
       event_time="ts", cluster_by=["minute"])
def server_logs(bronze: DataFrame) -> DataFrame:
    """One row per request, timestamps in UTC, bytes ``-`` read as 0, response time in milliseconds.

    ``ip_network`` is the client's /24 (IPv6: /48); the IP itself is stored as its keyed hash.
    """
    requests = typed(bronze, FIELDS)
    return requests.withColumns({
        "minute": F.date_trunc("minute", "ts"),
        "ip_network": network(F.col("ip")),
        "method": request_part(1),
        "path": request_part(2),
        "protocol": request_part(3),
        "bytes_sent": F.when(F.col("bytes") == "-", F.lit(0)).otherwise(F.col("bytes").try_cast("long")),
        "response_ms": F.col("request_time") * 1000,
        "referrer": F.when(F.col("referrer") != "-", unescaped("referrer")),
        "user_agent": unescaped("user_agent"),
    }).select(*COLUMNS, *LINEAGE)

"""Web server health minute by minute: load, server errors, slow responses and traffic.

Grain: one row per minute (UTC, ``silver.server_logs.minute``: the request time truncated
to the minute) with at least one request. Source: ``silver.server_logs``. Key: ``minute``.
Updated incrementally: a run recomputes only the minutes that upstream changes touch.

Columns
  minute           the minute (UTC)
  requests         requests logged in that minute
  errors_5xx       requests answered with a status from 500 to 599
  error_rate       errors_5xx / requests (double)
  p95_response_ms  95th percentile of ``response_ms`` over the minute's requests that
                   logged a response time (NULLs ignored; NULL if none did). Computed with
                   ``F.percentile`` -- exact, linearly interpolated between the two nearest
                   ranks (as numpy's default) -- not ``percentile_approx``: a minute holds few
                   enough rows for the exact value to be cheap, and it is reproducible and
                   checkable by hand.
  bytes_sent       total bytes sent (a logged ``-`` is 0); NULL only if no request's size
                   could be read
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.lib.incremental import ByKey, Changes
from lakehouse.lib.registry import table
from lakehouse.lib.writes import Overwrite

PERCENTILE = 0.95
COLUMNS = ("minute", "requests", "errors_5xx", "error_rate", "p95_response_ms", "bytes_sent")


def touched_minutes(changes: Changes) -> DataFrame:
    """The minutes of new requests."""
    return changes.changed("silver.server_logs").select("minute")


@table("gold.server_health_minute", source=("silver.server_logs",), key=["minute"], write=Overwrite(),
       refresh=ByKey("minute", touched_minutes))
def server_health_minute(server_logs: DataFrame) -> DataFrame:
    """One row per minute (UTC) with at least one request."""
    is_server_error = F.col("status").between(500, 599)
    health = server_logs.groupBy("minute").agg(
        F.count(F.lit(1)).alias("requests"),
        F.count_if(is_server_error).alias("errors_5xx"),
        F.percentile("response_ms", PERCENTILE).alias("p95_response_ms"),
        F.sum("bytes_sent").alias("bytes_sent"),
    )
    return health.withColumn("error_rate", F.col("errors_5xx") / F.col("requests")).select(*COLUMNS)

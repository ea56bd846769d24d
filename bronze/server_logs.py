"""Web server access logs, one request per line in ``<landing>/server_logs/`` (Kafka topic ``server_logs``)."""
from pyspark.sql import DataFrame

from lakehouse.lib.fields import Field
from lakehouse.lib.sources.landing import access_log_records
from lakehouse.lib.registry import Landing, table

FIELDS = (
    Field("ip"),
    Field("ident"),
    Field("user"),
    Field("ts", "clf_timestamp", required=True),
    Field("request", required=True),
    Field("status", "integer", required=True),
    Field("bytes"),
    Field("referrer"),
    Field("user_agent"),
    Field("request_time", "double"),
)


@table("bronze.server_logs", source=Landing("server_logs"))
def server_logs(lines: DataFrame) -> DataFrame:
    """One row per landed access log line, parsed or not."""
    return access_log_records(lines)

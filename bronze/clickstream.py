"""Website events, JSON Lines in ``<landing>/clickstream/`` (Kafka topic ``clickstream``)."""
from pyspark.sql import DataFrame

from lakehouse.lib.fields import Field, names
from lakehouse.lib.sources.landing import json_records
from lakehouse.lib.registry import Landing, table

FIELDS = (
    Field("event_id", required=True),
    Field("event_ts", "timestamp", required=True),
    Field("event_type", required=True),
    Field("session_id", required=True),
    Field("customer_id"),
    Field("product_id"),
    Field("order_id"),
    Field("page_url"),
    Field("referrer"),
    Field("device"),
    Field("user_agent"),
    Field("ip"),
)


@table("bronze.clickstream", source=Landing("clickstream"))
def clickstream(lines: DataFrame) -> DataFrame:
    """One row per landed clickstream line, parsed or not."""
    return json_records(lines, names(FIELDS))

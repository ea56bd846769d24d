"""Site searches, JSON Lines in ``<landing>/search/`` (Kafka topic ``search``)."""
from pyspark.sql import DataFrame

from lakehouse.lib.fields import Field, names
from lakehouse.lib.sources.landing import json_records
from lakehouse.lib.registry import Landing, table

FIELDS = (
    Field("search_id", required=True),
    Field("search_ts", "timestamp", required=True),
    Field("session_id"),
    Field("customer_id"),
    Field("query", required=True),
    Field("results_count", "integer"),
    Field("clicked_product_id"),
    Field("clicked_position", "integer"),
)


@table("bronze.search", source=Landing("search"))
def search(lines: DataFrame) -> DataFrame:
    """One row per landed search line, parsed or not."""
    return json_records(lines, names(FIELDS))

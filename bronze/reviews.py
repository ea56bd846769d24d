"""Customer reviews, JSON Lines in ``<landing>/reviews/`` (Kafka topic ``reviews``)."""
from pyspark.sql import DataFrame

from lakehouse.lib.fields import Field, names
from lakehouse.lib.sources.landing import json_records
from lakehouse.lib.registry import Landing, table

FIELDS = (
    Field("review_id", required=True),
    Field("product_id", required=True),
    Field("customer_id", required=True),
    Field("order_id"),
    Field("rating", "integer", required=True),
    Field("title"),
    Field("body"),
    Field("language"),
    Field("created_ts", "timestamp", required=True),
)


@table("bronze.reviews", source=Landing("reviews"))
def reviews(lines: DataFrame) -> DataFrame:
    """One row per landed review line, parsed or not."""
    return json_records(lines, names(FIELDS))

"""Stock movements, JSON Lines in ``<landing>/inventory/`` (Kafka topic ``inventory``)."""
from pyspark.sql import DataFrame

from lakehouse.lib.fields import Field, names
from lakehouse.lib.sources.landing import json_records
from lakehouse.lib.registry import Landing, table

FIELDS = (
    Field("event_id", required=True),
    Field("event_ts", "timestamp", required=True),
    Field("product_id", required=True),
    Field("warehouse_id", required=True),
    Field("qty_on_hand", "integer", required=True),
    Field("qty_delta", "integer"),
    Field("reason"),
)


@table("bronze.inventory", source=Landing("inventory"))
def inventory(lines: DataFrame) -> DataFrame:
    """One row per landed stock movement line, parsed or not."""
    return json_records(lines, names(FIELDS))

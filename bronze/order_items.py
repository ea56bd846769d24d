"""Order line change events (Debezium envelope), JSON Lines in ``<landing>/order_items/`` (Kafka topic ``oltp.order_items``)."""
from pyspark.sql import DataFrame

from lakehouse.lib.fields import names
from lakehouse.lib.sources.landing import CHANGE_ENVELOPE, json_records
from lakehouse.lib.registry import Landing, table


@table("bronze.order_items", source=Landing("order_items"))
def order_items(lines: DataFrame) -> DataFrame:
    """One row per landed order line change event, parsed or not; the row images stay JSON text."""
    return json_records(lines, names(CHANGE_ENVELOPE))

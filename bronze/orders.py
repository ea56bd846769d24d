"""Order change events (Debezium envelope), JSON Lines in ``<landing>/orders/`` (Kafka topic ``oltp.orders``)."""
from pyspark.sql import DataFrame

from lakehouse.lib.fields import names
from lakehouse.lib.sources.landing import CHANGE_ENVELOPE, json_records
from lakehouse.lib.registry import Landing, table


@table("bronze.orders", source=Landing("orders"))
def orders(lines: DataFrame) -> DataFrame:
    """One row per landed order change event line, parsed or not; the row images stay JSON text."""
    return json_records(lines, names(CHANGE_ENVELOPE))

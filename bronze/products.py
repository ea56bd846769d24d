"""The catalog export, CSV with a header in ``<landing>/products/``."""
from pyspark.sql import DataFrame

from lakehouse.lib.fields import Field, names
from lakehouse.lib.sources.landing import csv_records
from lakehouse.lib.registry import Landing, table

FIELDS = (
    Field("product_id", required=True),
    Field("sku"),
    Field("name"),
    Field("category", required=True),
    Field("subcategory"),
    Field("brand"),
    Field("list_price", "decimal"),
    Field("currency"),
    Field("active", "boolean"),
    Field("updated_at", "timestamp", required=True),
)


@table("bronze.products", source=Landing("products", header_key=FIELDS[0].name))
def products(lines: DataFrame) -> DataFrame:
    """One row per landed catalog export row (header rows excepted), parsed or not."""
    return csv_records(lines, names(FIELDS))

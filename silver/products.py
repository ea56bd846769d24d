"""The product catalog as it stands now.

Grain: one row per product (``product_id``); the export row with the latest
``updated_at`` wins, so a category or price change replaces the old one.
"""
from pyspark.sql import DataFrame

from lakehouse.bronze.products import FIELDS
from lakehouse.lib.fields import LINEAGE, field_rules, names, typed
from lakehouse.lib.quality.checks import RowCount
from lakehouse.lib.registry import table
from lakehouse.lib.rules import at_least, matches, record_is_parseable
from lakehouse.lib.writes import ApplyChanges

RULES = (
    record_is_parseable(),
    *field_rules(FIELDS),
    matches("product_id", "^P[0-9]+$", "product_id"),
    matches("currency", "^[A-Z]{3}$", "currency"),
    at_least("list_price", 0),
)
CHECKS = (RowCount(low=1, high=1_000_000),)  # a catalog, not a log


@table("silver.products", source="bronze.products", key=["product_id"], rules=RULES, checks=CHECKS,
       write=ApplyChanges(sequence_by="updated_at"))
def products(bronze: DataFrame) -> DataFrame:
    """One row per catalog export row; applying them leaves one row per product_id."""
    return typed(bronze, FIELDS).select(*names(FIELDS), *LINEAGE)

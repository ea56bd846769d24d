"""Customer reviews, typed and deduplicated by ``review_id``.

Grain: one row per review (``review_id``), the first delivery kept.
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.bronze.reviews import FIELDS
from lakehouse.lib.fields import LINEAGE, field_rules, names, typed
from lakehouse.lib.quality.checks import Fresh, MeanBetween, References
from lakehouse.lib.registry import table
from lakehouse.lib.rules import between, customer_id_is_well_formed, matches, record_is_parseable
from lakehouse.lib.writes import InsertNew

COLUMNS = (*names(FIELDS), "review_date")

RULES = (
    record_is_parseable(),
    *field_rules(FIELDS),
    between("rating", 1, 5),
    matches("product_id", "^P[0-9]+$", "product_id"),
    customer_id_is_well_formed(),
    matches("language", "^[a-z]{2}$", "language", action="warn"),
)
CHECKS = (
    Fresh(column="created_ts"),
    MeanBetween(column="rating", low=2.5, high=4.8),
    References(column="product_id", table="silver.products"),
)


@table("silver.reviews", source="bronze.reviews", key=["review_id"], rules=RULES, checks=CHECKS,
       write=InsertNew(), event_time="created_ts", cluster_by=["review_date"])
def reviews(bronze: DataFrame) -> DataFrame:
    """One row per review (review_id), the first delivery kept."""
    return typed(bronze, FIELDS).withColumn("review_date", F.to_date("created_ts")).select(*COLUMNS, *LINEAGE)

"""Site searches, typed and deduplicated by ``search_id``, with the query normalised for counting.

Grain: one row per search (``search_id``), the first delivery kept.
"""
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.bronze.search import FIELDS
from lakehouse.lib.fields import LINEAGE, field_rules, names, typed
from lakehouse.lib.quality.checks import Fresh, NullShare
from lakehouse.lib.registry import table
from lakehouse.lib.rules import at_least, customer_id_is_well_formed, record_is_parseable
from lakehouse.lib.writes import InsertNew

COLUMNS = (*names(FIELDS), "query_normalised", "search_date")

RULES = (
    record_is_parseable(),
    *field_rules(FIELDS),
    at_least("results_count", 0),
    at_least("clicked_position", 1),
    customer_id_is_well_formed(),
)
CHECKS = (
    Fresh(column="search_ts"),
    NullShare(column="customer_id", at_most=0.6),  # searches by visitors not signed in
)


def normalised(query: Column) -> Column:
    """Lower case, trimmed, inner whitespace collapsed: the form searches are counted by."""
    return F.lower(F.trim(F.regexp_replace(query, r"\s+", " ")))


@table("silver.search", source="bronze.search", key=["search_id"], rules=RULES, checks=CHECKS, write=InsertNew(),
       event_time="search_ts", cluster_by=["search_date"])
def search(bronze: DataFrame) -> DataFrame:
    """One row per site search (search_id), the first delivery kept."""
    searches = typed(bronze, FIELDS)
    return (searches.withColumns({"query_normalised": normalised(F.col("query")),
                                  "search_date": F.to_date("search_ts")})
            .select(*COLUMNS, *LINEAGE))

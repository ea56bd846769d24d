"""What visitors searched for each day, and how often the search came up empty or led to a click.

Grain: one row per search date (UTC) x normalised query (``query_normalised`` from
``silver.search``: lower case, trimmed, inner whitespace collapsed), so "Red  Shoes " and
"red shoes" count together. Source: ``silver.search`` (deduplicated by ``search_id``).
Key: ``date``, ``query``. Updated incrementally: a run recomputes only the search dates that upstream changes touch.

Searches that arrived without any query text are kept under ``query`` NULL, so the day's
searches add up to every search of the day.

Columns
  date                  search date (UTC)
  query                 the normalised query
  searches              searches
  zero_result_searches  searches with ``results_count = 0``
  clicks                searches followed by a click on a result (``clicked_product_id`` not NULL)
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.lib.incremental import ByKey, Changes
from lakehouse.lib.registry import table
from lakehouse.lib.writes import Overwrite

COLUMNS = ("date", "query", "searches", "zero_result_searches", "clicks")


def touched_dates(changes: Changes) -> DataFrame:
    """The dates of new searches."""
    return changes.changed("silver.search").select(F.col("search_date").alias("date"))


@table("gold.search_terms_daily", source=("silver.search",), key=["date", "query"], write=Overwrite(),
       refresh=ByKey("date", touched_dates))
def search_terms_daily(search: DataFrame) -> DataFrame:
    """One row per search date (UTC) x normalised query."""
    has_no_results = F.col("results_count") == 0
    was_clicked = F.col("clicked_product_id").isNotNull()
    return (search.groupBy(F.col("search_date").alias("date"), F.col("query_normalised").alias("query"))
            .agg(F.count(F.lit(1)).alias("searches"),
                 F.count_if(has_no_results).alias("zero_result_searches"),
                 F.count_if(was_clicked).alias("clicks"))
            .select(*COLUMNS))

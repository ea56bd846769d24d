"""Daily exchange rates: the USD value of one unit of a currency on a date.

Grain: one row per date and currency; a rate landed later replaces an earlier one.
USD may be absent: its rate is 1 by definition.
"""
from pyspark.sql import DataFrame

from lakehouse.bronze.fx_rates import FIELDS
from lakehouse.lib.fields import LINEAGE, field_rules, names, typed
from lakehouse.lib.quality.checks import Fresh
from lakehouse.lib.registry import table
from lakehouse.lib.rules import Rule, matches, record_is_parseable
from lakehouse.lib.writes import ApplyChanges

RULES = (
    record_is_parseable(),
    *field_rules(FIELDS),
    matches("currency", "^[A-Z]{3}$", "currency"),
    Rule("usd_per_unit_is_positive", "usd_per_unit IS NULL OR usd_per_unit > 0"),
)
CHECKS = (Fresh(column="date"),)


@table("silver.fx_rates", source="bronze.fx_rates", key=["date", "currency"], rules=RULES, checks=CHECKS,
       write=ApplyChanges(sequence_by="_ingested_at"))
def fx_rates(bronze: DataFrame) -> DataFrame:
    """One row per landed rate; applying them leaves one row per date and currency."""
    return typed(bronze, FIELDS).select(*names(FIELDS), *LINEAGE)

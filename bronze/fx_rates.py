"""Daily exchange rates, CSV with a header in ``<landing>/fx_rates/``: the USD value of one unit of a currency."""
from pyspark.sql import DataFrame

from lakehouse.lib.fields import Field, names
from lakehouse.lib.sources.landing import csv_records
from lakehouse.lib.registry import Landing, table

FIELDS = (
    Field("date", "date", required=True),
    Field("currency", required=True),
    Field("usd_per_unit", "double", required=True),
)


@table("bronze.fx_rates", source=Landing("fx_rates", header_key=FIELDS[0].name))
def fx_rates(lines: DataFrame) -> DataFrame:
    """One row per landed FX rate row (header rows excepted), parsed or not."""
    return csv_records(lines, names(FIELDS))

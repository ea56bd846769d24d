"""The CRM's customer export, CSV with a header in ``<landing>/customers/``: full snapshots or only changed customers."""
from pyspark.sql import DataFrame

from lakehouse.lib.fields import Field, names
from lakehouse.lib.sources.landing import csv_records
from lakehouse.lib.registry import Landing, table

FIELDS = (
    Field("customer_id", required=True),
    Field("email"),
    Field("first_name"),
    Field("last_name"),
    Field("phone"),
    Field("birth_date", "date"),
    Field("country"),
    Field("city"),
    Field("postal_code"),
    Field("signup_ts", "timestamp"),
    Field("marketing_opt_in", "boolean"),
    Field("updated_at", "timestamp", required=True),
)


@table("bronze.customers", source=Landing("customers", header_key=FIELDS[0].name))
def customers(lines: DataFrame) -> DataFrame:
    """One row per landed CRM export row (header rows excepted), parsed or not."""
    return csv_records(lines, names(FIELDS))

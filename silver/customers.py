"""Customers with their history (type 2), personal data pseudonymised.

Grain: one row per customer and version (``customer_id``, ``valid_from``); the row
with the latest ``updated_at`` is current. Every personal field holds a keyed hash
(HMAC-SHA256), never the clear value; ``customer_key`` is the customer's pseudonym.
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.bronze.customers import FIELDS
from lakehouse.lib.fields import LINEAGE, field_rules, names, typed
from lakehouse.lib.quality.checks import Fresh
from lakehouse.lib.registry import table
from lakehouse.lib.rules import customer_id_is_well_formed, matches, record_is_parseable
from lakehouse.lib.writes import History

PERSONAL = ("email", "first_name", "last_name", "phone", "birth_date", "city", "postal_code")

RULES = (
    record_is_parseable(),
    *field_rules(FIELDS),
    customer_id_is_well_formed(),
    matches("country", "^[A-Z]{2}$", "country"),
    matches("email", "^[^@\\s]+@[^@\\s]+$", "email", action="warn"),
)
CHECKS = (Fresh(column="updated_at"),)


@table("silver.customers", source="bronze.customers", key=["customer_id"], rules=RULES, checks=CHECKS,
       write=History(sequence_by="updated_at"),
       pseudonyms={"customer_key": "customer_id", **{field: field for field in PERSONAL}})
def customers(bronze: DataFrame) -> DataFrame:
    """One row per customer version (customer_id, updated_at), e-mail normalised before it is hashed."""
    rows = typed(bronze, FIELDS)
    return rows.withColumn("email", F.lower("email")).select(*names(FIELDS), *LINEAGE)

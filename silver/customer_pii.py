"""The customers' personal data, the one table that holds it: each field encrypted, restricted to who may read it.

Grain: one row per customer (``customer_id``), their latest version by ``updated_at``; no history is
kept of personal data. E-mail, names, phone, birth date, city and postal code are stored encrypted
with the personal data key (AES-256-GCM, ``lib/encryption.py``); ``customer_key`` is the pseudonym
every other table names the customer by. The CRM rows that name no customer id or update time are
left to ``silver.customers``, which quarantines them.
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.bronze.customers import FIELDS
from lakehouse.lib.fields import typed
from lakehouse.lib.registry import table
from lakehouse.lib.rules import CUSTOMER_ID
from lakehouse.lib.writes import ApplyChanges
from lakehouse.silver.customers import PERSONAL


@table("silver.customer_pii", source="bronze.customers", key=["customer_id"],
       write=ApplyChanges(sequence_by="updated_at"), pseudonyms={"customer_key": "customer_id"}, encrypted=PERSONAL)
def customer_pii(bronze: DataFrame) -> DataFrame:
    """One row per customer (customer_id), their latest personal data, each field encrypted."""
    rows = typed(bronze, FIELDS)
    known = F.coalesce(F.col("customer_id").rlike(f"^{CUSTOMER_ID}$") & F.col("updated_at").isNotNull(), F.lit(False))
    return rows.where(known).select("customer_id", *PERSONAL, "updated_at")

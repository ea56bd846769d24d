"""Website events, typed and deduplicated by ``event_id``; the visitor's IP pseudonymised, its network kept.

Grain: one row per event (``event_id``), the first delivery kept.
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.bronze.clickstream import FIELDS
from lakehouse.lib.fields import LINEAGE, field_rules, names, typed
from lakehouse.lib.networks import network
from lakehouse.lib.quality.checks import Fresh, NullShare, References
from lakehouse.lib.registry import table
from lakehouse.lib.rules import Rule, customer_id_is_well_formed, is_in, matches, record_is_parseable
from lakehouse.lib.writes import InsertNew

EVENT_TYPES = ("page_view", "product_view", "add_to_cart", "remove_from_cart", "checkout_start", "purchase")
PRODUCT_EVENTS = ("product_view", "add_to_cart", "remove_from_cart")
DEVICES = ("desktop", "mobile", "tablet", "other")
COLUMNS = (*names(FIELDS), "ip_network", "event_date")

RULES = (
    record_is_parseable(),
    *field_rules(FIELDS),
    is_in("event_type", EVENT_TYPES),
    is_in("device", DEVICES),
    customer_id_is_well_formed(),
    matches("product_id", "^P[0-9]+$", "product_id"),
    Rule("product_id_present_for_product_events",
         f"event_type IS NULL OR event_type NOT IN {PRODUCT_EVENTS} OR product_id IS NOT NULL"),
    Rule("order_id_present_for_purchase", "event_type IS NULL OR event_type <> 'purchase' OR order_id IS NOT NULL"),
)
CHECKS = (
    Fresh(column="event_ts"),
    NullShare(column="customer_id", at_most=0.6),  # anonymous events: a visitor not signed in
    References(column="product_id", table="silver.products"),
)


@table("silver.clickstream", source="bronze.clickstream", key=["event_id"], rules=RULES, checks=CHECKS,
       write=InsertNew(), pseudonyms={"ip": "ip"}, event_time="event_ts", cluster_by=["event_date"])
def clickstream(bronze: DataFrame) -> DataFrame:
    """One row per website event (event_id), the first delivery kept; times in UTC.

    ``ip_network`` is the IP's /24 (IPv6: /48); the IP itself is stored as its keyed hash.
    """
    events = typed(bronze, FIELDS)
    return (events.withColumns({"ip_network": network(F.col("ip")), "event_date": F.to_date("event_ts")})
            .select(*COLUMNS, *LINEAGE))

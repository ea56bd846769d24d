"""The shopping funnel by day and device: how many sessions reached each step.

Grain: one row per event date (UTC) x ``device``.
Source: ``silver.clickstream`` (valid, deduplicated events). Key: ``date``, ``device``.
Updated incrementally: a run recomputes every date of a session with a new event, so a
late event counts on the date it happened, not the date it arrived.

Definitions
  - A session counts on a date when it has at least one event that date; a session
    spanning midnight UTC counts on both dates, and for a step on each date where it has
    an event of that step.
  - A session's device is the device of its first event (by ``event_ts``, then
    ``event_id``) that names one, ``unknown`` when none does. It is a property of the
    session, so every session counts under exactly one device and the devices of a date
    add up to its sessions.

Columns
  date                   event date (UTC)
  device                 desktop, mobile, tablet, other or unknown
  sessions               distinct sessions with any event that date
  product_view_sessions  ... with a ``product_view`` event that date
  add_to_cart_sessions   ... with an ``add_to_cart`` event that date
  checkout_sessions      ... with a ``checkout_start`` event that date
  purchase_sessions      ... with a ``purchase`` event that date
  conversion_rate        purchase_sessions / sessions (double)
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.lib.incremental import ByKey, Changes
from lakehouse.lib.registry import table
from lakehouse.lib.writes import Overwrite

UNKNOWN_DEVICE = "unknown"
STEPS = {
    "product_view_sessions": "product_view",
    "add_to_cart_sessions": "add_to_cart",
    "checkout_sessions": "checkout_start",
    "purchase_sessions": "purchase",
}
COLUMNS = ("date", "device", "sessions", *STEPS, "conversion_rate")


def session_devices(clickstream: DataFrame) -> DataFrame:
    """One row per session that names a device: the device of its first such event."""
    return (clickstream.where(F.col("device").isNotNull())
            .groupBy("session_id")
            .agg(F.min_by("device", F.struct("event_ts", "event_id")).alias("device")))


def touched_dates(changes: Changes) -> DataFrame:
    """Every date of a session with a new event: a late first event can change the session's device."""
    sessions = changes.changed("silver.clickstream").select("session_id").distinct()
    return (changes.current("silver.clickstream").join(sessions, on="session_id", how="left_semi")
            .select(F.col("event_date").alias("date")))


@table("gold.funnel_daily", source=("silver.clickstream",), key=["date", "device"], write=Overwrite(),
       refresh=ByKey("date", touched_dates))
def funnel_daily(clickstream: DataFrame) -> DataFrame:
    """One row per event date (UTC) x device."""
    steps_reached = (clickstream.groupBy(F.col("event_date").alias("date"), "session_id")
                     .agg(*[F.max(F.col("event_type") == event_type).alias(step)
                            for step, event_type in STEPS.items()]))
    sessions = (steps_reached.join(session_devices(clickstream), on="session_id", how="left")
                .withColumn("device", F.coalesce(F.col("device"), F.lit(UNKNOWN_DEVICE))))
    funnel = (sessions.groupBy("date", "device")
              .agg(F.count(F.lit(1)).alias("sessions"), *[F.count_if(F.col(step)).alias(step) for step in STEPS]))
    return (funnel.withColumn("conversion_rate", F.col("purchase_sessions") / F.col("sessions"))
            .select(*COLUMNS))

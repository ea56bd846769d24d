"""Declared fields, and the one way text becomes typed columns in silver.

Text that does not parse becomes NULL (``try_cast``-style, so Spark's ANSI mode
never fails a batch on bad input) and the text itself travels on in ``_text``,
so the rule ``<field>_is_<type>`` can tell "absent" from "arrived but unreadable".
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Literal, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.lib.rules import Rule, is_typed

FieldType = Literal["string", "timestamp", "epoch_millis", "clf_timestamp", "date", "integer", "long",
                    "decimal", "double", "boolean"]

# Everything a silver transformation carries for quarantine and lineage besides its columns.
LINEAGE = ("_text", "_raw", "_rescued", "_parse_error", "_origin", "_ingested_at")
DECIMAL = r"^-?[0-9]+(\.[0-9]{1,2})?$"
# Years 1 to 9999: a larger number of milliseconds would overflow the timestamp and fail the batch.
EPOCH_MILLIS_RANGE = (-62_135_596_800_000, 253_402_300_799_999)


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType = "string"
    required: bool = False


def names(fields: Sequence[Field]) -> tuple[str, ...]:
    return tuple(field.name for field in fields)


def text(column: Column) -> Column:
    """Arrived text, with blank meaning absent."""
    return F.nullif(F.trim(column), F.lit(""))


def parse(value: Column, type_name: FieldType) -> Column:
    """Text to a typed value, NULL where the text does not parse (``NaN`` and infinities are no number)."""
    if type_name == "string":
        return value
    if type_name == "timestamp":
        return value.try_cast("timestamp")
    if type_name == "epoch_millis":
        millis = value.try_cast("long")
        return F.when(millis.between(*EPOCH_MILLIS_RANGE), F.timestamp_millis(millis))
    if type_name == "clf_timestamp":
        return F.try_to_timestamp(value, F.lit("dd/MMM/yyyy:HH:mm:ss Z"))
    if type_name == "date":
        return F.when(value.rlike(r"^\d{4}-\d{2}-\d{2}$"), value.try_cast("date"))
    if type_name == "integer":
        return value.try_cast("int")
    if type_name == "long":
        return value.try_cast("long")
    if type_name == "decimal":
        return F.when(value.rlike(DECIMAL), value.try_cast("decimal(18,2)"))
    if type_name == "double":
        number = value.try_cast("double")
        return F.when(number.between(-sys.float_info.max, sys.float_info.max), number)
    if type_name == "boolean":
        lowered = F.lower(value)
        return F.when(lowered.isin("true", "false"), lowered == F.lit("true"))
    raise ValueError(f"unknown field type {type_name}")


def typed(df: DataFrame, fields: Sequence[Field]) -> DataFrame:
    """Each field as its type, plus ``_text``: the arrived text of every field, for rules and quarantine."""
    texts = {field.name: text(F.col(field.name).cast("string")) for field in fields}
    return df.withColumns({
        "_text": F.struct(*[column.alias(name) for name, column in texts.items()]),
        **{field.name: parse(texts[field.name], field.type) for field in fields},
    })


TYPE_WORDS = {"timestamp": "timestamp", "epoch_millis": "timestamp", "clf_timestamp": "timestamp",
              "date": "date", "integer": "integer", "long": "integer", "decimal": "amount", "double": "number",
              "boolean": "boolean"}


def field_rules(fields: Sequence[Field]) -> list[Rule]:
    """``<field>_is_present`` for required fields, ``<field>_is_<type>`` for typed ones.

    Presence is about the arrived text: a value that arrived but does not parse fails
    ``<field>_is_<type>`` alone, the one cause.
    """
    rules = [Rule(f"{field.name}_is_present", f"`_text`.`{field.name}` IS NOT NULL") for field in fields
             if field.required]
    rules += [is_typed(field.name, TYPE_WORDS[field.type]) for field in fields if field.type != "string"]
    return rules

"""CSV exports as RFC 4180 and real exporters write them, from the lines the landing reader gives.

A landed file arrives as lines, so a record whose quoted field holds a line break
arrives in pieces. The pieces are put back together by quote parity: inside a
file, in line order, a line ends a record when the quotes seen so far are
balanced. Every field is then cut out with one pattern (quoted fields may hold
commas, doubled quotes and line breaks; empty cells stay empty), and named by the
latest header of its file, so header columns may come in any order and a header
may repeat mid-file.

A stray quote in an unquoted field (``5" screen``, against RFC 4180) leaves the
quotes unbalanced. The lines of a run that is still open at the end of its file,
or that spans more than ``MAX_RECORD_LINES`` lines, are read one by one instead,
so one bad quote never swallows the rest of a file.
"""
from __future__ import annotations

from typing import Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

MAX_RECORD_LINES = 100
BYTE_ORDER_MARK = "\ufeff"
# One field after a comma (the record is read with a comma in front, so that every match is at
# least one character long and an empty first field is not skipped): a quoted field, closed right
# before a comma or the end, or anything up to the next comma. Possessive, so 10 kB fields cannot
# overflow Java's regex stack. A quoted field's text may hold commas, line breaks and doubled quotes.
FIELD = r',("[^"]*+(?:""[^"]*+)*+"(?=,|\z)|[^,]*+)'
QUOTED_FIELD = r'^"[^"]*+(?:""[^"]*+)*+"\z'


def _unquoted(value: Column) -> Column:
    """A field as its text: a quoted field without its quotes, doubled quotes made single."""
    inner = F.replace(F.substring(value, F.lit(2), F.length(value) - 2), F.lit('""'), F.lit('"'))
    return F.when(value.rlike(QUOTED_FIELD), inner).otherwise(value)


def _fields(record: Column) -> Column:
    return F.transform(F.regexp_extract_all(F.concat(F.lit(","), record), F.lit(FIELD), 1), _unquoted)


def records(lines: DataFrame) -> DataFrame:
    """One row per CSV record of each file: its lines joined by ``\\n`` in ``_raw``, in file order.

    Adds ``_record_start`` (the first line's place in the file) and keeps ``_origin`` and
    ``_ingested_at``. Needs ``_block_start`` (where the line's part of the file starts);
    the lines of one part keep their order, which ``monotonically_increasing_id`` records.
    """
    in_file = Window.partitionBy("_origin").orderBy("_block_start", "_line")
    whole_file = in_file.rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)
    positioned = lines.withColumns({
        "_line": F.monotonically_increasing_id(),
        "_odd_quotes": ((F.length("_raw") - F.length(F.replace("_raw", F.lit('"'), F.lit("")))) % 2).cast("int"),
    })
    parity = positioned.withColumn("_open_after", F.sum("_odd_quotes").over(in_file) % 2)
    runs = parity.withColumn("_run", F.sum(((F.col("_open_after") - F.col("_odd_quotes")) % 2 == 0).cast("int"))
                             .over(in_file))
    in_run = Window.partitionBy("_origin", "_run")
    sized = runs.withColumns({
        "_run_lines": F.count(F.lit(1)).over(in_run),
        "_last_run": F.max("_run").over(whole_file),
        "_open_at_end": F.last("_open_after").over(whole_file),
    })
    unbalanced = (F.col("_run_lines") > MAX_RECORD_LINES) | (
        (F.col("_run") == F.col("_last_run")) & (F.col("_open_at_end") == 1))
    keyed = sized.withColumn("_piece", F.when(unbalanced, F.col("_line")).otherwise(F.lit(-1)))
    grouped = keyed.groupBy("_origin", "_run", "_piece").agg(
        F.array_sort(F.collect_list(F.struct("_block_start", "_line", "_raw"))).alias("_lines"),
        F.first("_ingested_at").alias("_ingested_at"),
    )
    first = F.col("_lines")[0]
    return grouped.select(
        F.concat_ws("\n", F.transform("_lines", lambda line: line["_raw"])).alias("_raw"),
        F.struct(first["_block_start"], first["_line"]).alias("_record_start"),
        "_origin", "_ingested_at",
    )


def named_fields(lines: DataFrame, known: Sequence[str]) -> DataFrame:
    """Each record's ``_fields`` (name to text) by its file's latest header, and ``_error`` if it has none.

    Before any header, fields are named in ``known`` order.

    A header is a record that names the key column (``known[0]``); it names the records
    after it and is not itself a record. A record whose field count differs from its
    header's keeps its text with the reason.
    """
    rows = records(lines)
    values = _fields(F.regexp_replace("_raw", f"^{BYTE_ORDER_MARK}", ""))
    rows = rows.withColumn("_values", values)
    names_in_record = F.transform("_values", F.trim)
    is_header = F.coalesce(F.array_contains(names_in_record, F.lit(known[0])), F.lit(False))
    since_header = Window.partitionBy("_origin").orderBy("_record_start").rowsBetween(Window.unboundedPreceding, 0)
    named = rows.withColumns({
        "_is_header": is_header,
        "_header": F.last(F.when(is_header, names_in_record), ignorenulls=True).over(since_header),
    }).where(~F.col("_is_header"))
    names = F.coalesce("_header", F.array(*[F.lit(name) for name in known]))
    names = F.transform(names, lambda name, i: F.when(name == "", F.concat(F.lit("_c"), i)).otherwise(name))
    padded = F.slice(F.concat("_values", F.array_repeat(F.lit(None).cast("string"), F.size(names))),
                     1, F.size(names))
    fields = F.map_from_arrays(names, padded)
    error = F.when(F.size("_values") != F.size(names),
                   F.format_string("expected %d fields, found %d", F.size(names), F.size("_values")))
    return named.withColumns({"_fields": fields, "_error": error})

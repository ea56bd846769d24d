"""Gold: business tables, one module per table, built from silver and updated incrementally.

Every table is declared with ``@table("gold.<name>", source=(...silver tables...), key=...,
write=Overwrite())`` on a pure ``DataFrame -> DataFrame`` function. Revenue is defined once,
in ``revenue_lines``, and reused by every table that reports money. A table with
``refresh=ByKey(column, touched)`` is recomputed only for the values of ``column`` that the
upstream changes touch; the others are rebuilt whole when an input changed. See docs/gold.md.
"""

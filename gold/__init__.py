"""Gold: business tables, one module per table, each rebuilt whole from silver on every run.

Every table is declared with ``@table("gold.<name>", source=(...silver tables...), key=...,
write=Overwrite())`` on a pure ``DataFrame -> DataFrame`` function. Revenue is defined once,
in ``revenue_lines``, and reused by every table that reports money. See docs/gold.md.
"""

"""Benchmarks of the lakehouse: ``make bench`` (or ``python -m bench``) measures and writes BENCHMARKS.md.

Each figure is a module of its own (``bronze_ingest``, ``silver_rules``, ``gold_refresh``,
``session_start``, ``demo_run``); ``pairs`` times a baseline and a candidate in interleaved
pairs, ``workspace`` keeps every file and catalog entry under ``data/bench/``.
"""

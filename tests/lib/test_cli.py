"""The command line without Spark: help on every verb and the declared tables."""
from __future__ import annotations

import subprocess
import sys

import pytest


def lakehouse(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", *args], capture_output=True, text=True,
                          timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("verb", ["generate", "run", "tables", "graph", "summary", "kafka", "deploy", "dq",
                                  "quarantine", "maintain", "catalog", "s3", "train", "score", "forget"])
def test_every_verb_has_help(verb: str) -> None:
    done = lakehouse(verb, "--help")
    assert done.returncode == 0 and "Usage" in done.stdout


def test_tables_lists_every_declaration_with_what_it_reads() -> None:
    done = lakehouse("tables")
    assert done.returncode == 0, done.stderr
    assert "landing/clickstream" in done.stdout
    assert "silver.order_items," in done.stdout and "silver.fx_rates" in done.stdout
    for name in ("bronze.server_logs", "silver.customers", "gold.daily_sales", "gold.customer_features"):
        assert name in done.stdout


def test_an_unknown_table_is_a_one_line_error() -> None:
    done = lakehouse("run", "silver.nonsense")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: unknown table or layer 'silver.nonsense' (try `lakehouse tables`)"
    among_others = lakehouse("run", "silver.orders", "silver.nonsense", "gold")
    assert among_others.returncode == 2
    assert among_others.stderr.strip() == "error: unknown table or layer 'silver.nonsense' (try `lakehouse tables`)"


def test_a_table_without_quarantine_is_a_one_line_error_before_spark_starts() -> None:
    done = lakehouse("quarantine", "replay", "gold.daily_sales")
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: 'gold.daily_sales' has no quarantine; the tables with one: ")
    assert "search" in done.stderr and "WARNING" not in done.stderr


def test_forget_refuses_an_id_unlike_a_customer_id_in_one_line_before_spark_starts() -> None:
    done = lakehouse("forget", "--customer-id", "C00042", "--customer-id", "ann@example.com")
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: --customer-id takes ids as the CRM writes them, like C00042, "
                                   "not 'ann@example.com'")

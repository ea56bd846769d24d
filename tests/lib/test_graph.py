"""The table graph holds exactly the declarations: every table and source, every read, every error path."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lakehouse.lib import registry
from lakehouse.lib.graph import ERROR_PATHS, MAIN_PATH, can_render, table_graph, to_mermaid, write_graph
from lakehouse.lib.registry import Landing

REPO = Path(__file__).resolve().parents[2]
DECLARED = registry.select("all")
GRAPH = table_graph(DECLARED)
needs_dot = pytest.mark.skipif(not can_render(), reason="Graphviz's dot is not installed (apt-get install graphviz)")


def test_the_graph_holds_every_declared_table_and_source_and_nothing_else() -> None:
    tables = {t.name for t in DECLARED}
    folders = {f"landing/{t.source.folder}" for t in DECLARED if isinstance(t.source, Landing)}
    quarantines = {f"quarantine.{t.short_name}" for t in DECLARED if t.rules}
    tombstones = {name for t in DECLARED for name in t.write.companion_names(t.name)}
    assert {node.id for node in GRAPH.nodes} == tables | folders | quarantines | tombstones
    assert len(GRAPH.nodes) == len({node.id for node in GRAPH.nodes})


def test_every_read_is_an_edge_and_every_edge_a_read() -> None:
    reads = {(source, t.name) for t in DECLARED for source in t.inputs}
    reads |= {(f"landing/{t.source.folder}", t.name) for t in DECLARED if isinstance(t.source, Landing)}
    assert {(e.source, e.target) for e in GRAPH.edges if e.kind == MAIN_PATH} == reads


def test_error_paths_are_the_quarantines_tombstones_and_counted_rows() -> None:
    errors = {(e.source, e.target, e.label) for e in GRAPH.edges if e.kind in ERROR_PATHS}
    assert ("silver.reviews", "quarantine.reviews", "fails a rule") in errors
    assert ("silver.orders", "silver.orders_deleted", "deletes") in errors
    assert ("silver.clickstream", "silver.clickstream", "duplicates: counted in ops.runs") in errors
    assert ("silver.customers", "silver.customers", "versions already held: counted in ops.runs") in errors
    assert not any(source.startswith(("bronze.", "gold.")) for source, _, _ in errors), "no checks there"
    assert not any(e.kind == "counted" for e in GRAPH.edges if e.source == "silver.server_logs"), "log lines: append"


def test_a_table_with_its_whole_upstream_and_downstream() -> None:
    around = GRAPH.around("gold.daily_sales")
    inputs = ("order_items", "orders", "products", "fx_rates")
    expected = {"gold.daily_sales", *[f"{layer}.{name}" for layer in ("silver", "bronze", "quarantine")
                                      for name in inputs],
                *[f"landing/{name}" for name in inputs], "silver.orders_deleted", "silver.order_items_deleted"}
    assert {node.id for node in around.nodes} == expected
    downstream = {node.id for node in GRAPH.around("silver.fx_rates").nodes if node.layer == "gold"}
    assert downstream == {"gold.daily_sales", "gold.product_performance_daily", "gold.customer_features",
                          "gold.customer_features_history",
                          "gold.basket_size_daily", "gold.cohort_retention_weekly", "gold.sales_minute"}


def test_a_layer_with_what_it_reads_and_where_its_rows_go() -> None:
    gold = GRAPH.layer("gold")
    assert {n.id for n in gold.nodes if n.layer == "gold"} == {t.name for t in registry.select("gold")}
    assert {n.layer for n in gold.nodes} == {"gold", "silver"}


def test_mermaid_has_a_box_per_node_and_a_line_per_edge() -> None:
    text = to_mermaid(GRAPH)
    assert text.startswith("flowchart LR\n")
    assert text.count(":::") == len(GRAPH.nodes)
    assert text.count("-->") + text.count(".->") == len(GRAPH.edges)


def test_the_committed_table_graph_is_the_one_the_declarations_draw() -> None:
    """docs/architecture/tables.mmd is rebuilt by `make diagrams`; a new table without it fails here."""
    assert (REPO / "docs" / "architecture" / "tables.mmd").read_text() == to_mermaid(GRAPH)


@needs_dot
def test_the_picture_names_every_table(tmp_path: Path) -> None:
    written = write_graph(GRAPH, tmp_path, "tables")
    assert [path.suffix for path in written] == [".mmd", ".dot", ".svg", ".png"]
    svg = (tmp_path / "tables.svg").read_text()
    assert all(f">{node.id}</text>" in svg for node in GRAPH.nodes)
    assert (tmp_path / "tables.png").read_bytes().startswith(b"\x89PNG")


@needs_dot
def test_lakehouse_graph_draws_one_table_with_its_upstream(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", "graph", "--table", "gold.daily_sales",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    svg = (tmp_path / "tables-gold.daily_sales.svg").read_text()
    assert ">bronze.orders</text>" in svg and ">gold.funnel_daily</text>" not in svg


def test_an_unknown_table_is_a_one_line_error() -> None:
    done = subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", "graph", "--table", "gold.nope"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: unknown table or layer 'gold.nope' (try `lakehouse tables`)"


def test_a_table_with_its_upstream_is_the_chain_it_reads_inputs_first() -> None:
    chosen = [t.name for t in registry.select("gold.server_health_minute", upstream=True)]
    assert chosen == ["bronze.server_logs", "silver.server_logs", "gold.server_health_minute"]
    daily_sales = {t.name for t in registry.select("gold.daily_sales", upstream=True)}
    assert daily_sales == {"gold.daily_sales", *(f"{layer}.{source}" for layer in ("silver", "bronze")
                                                 for source in ("order_items", "orders", "products", "fx_rates"))}
    assert [t.name for t in registry.select("gold.server_health_minute")] == ["gold.server_health_minute"]


def test_several_selections_are_their_union_inputs_first_each_table_once() -> None:
    chosen = [t.name for t in registry.select(["gold.server_health_minute", "silver.server_logs", "silver.search"],
                                              upstream=True)]
    assert chosen == ["bronze.search", "bronze.server_logs", "silver.search", "silver.server_logs",
                      "gold.server_health_minute"]
    bronze_and_one = {t.name for t in registry.select(["bronze", "silver.orders"])}
    assert bronze_and_one == {f"bronze.{source}" for source in (
        "clickstream", "customers", "fx_rates", "inventory", "order_items", "orders", "products", "reviews", "search",
        "server_logs")} | {"silver.orders"}

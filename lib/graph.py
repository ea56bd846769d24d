"""The table graph, drawn from the declarations and never by hand: every source and table, what reads what,
and where rows leave the main path.

A node is a landing folder or a table (with its grain and key); an edge says what reads
what. The error paths have their own style: rows failing a rule go to the table's
quarantine, deletes leave tombstones, and the duplicates or superseded changes a write
recognises are counted in ``ops.runs`` (a loop on the table: they are not stored). The
same graph renders as Graphviz (SVG, PNG) and as Mermaid text for GitHub.

>>> graph = table_graph(registry.select("all")).around("gold.daily_sales")  # doctest: +SKIP
>>> [path.name for path in write_graph(graph, Path("data/report"), "tables-gold.daily_sales")]  # doctest: +SKIP
['tables-gold.daily_sales.mmd', 'tables-gold.daily_sales.dot', 'tables-gold.daily_sales.svg', ...]
"""
from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import graphviz

from lakehouse.lib.registry import Landing, Table
from lakehouse.lib.runlog import RUNS

LAYERS = ("landing", "bronze", "silver", "quarantine", "gold", "ops")
MAIN_PATH = "reads"
ERROR_PATHS = ("quarantine", "tombstones", "counted")
FILL = {"landing": "#eeeeee", "bronze": "#e8c39e", "silver": "#dfe3e8", "quarantine": "#f8d7d7", "gold": "#f7e08b",
        "ops": "#ffffff"}
GRAIN_WIDTH = 44


@dataclass(frozen=True)
class Node:
    id: str
    layer: str
    grain: str = ""
    key: tuple[str, ...] = ()

    @property
    def lines(self) -> list[str]:
        """Name, grain (wrapped) and key: what a box says."""
        key = [f"key: {', '.join(self.key)}"] if self.key else []
        return [self.id, *textwrap.wrap(self.grain, GRAIN_WIDTH), *key]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str = MAIN_PATH
    label: str = ""


@dataclass(frozen=True)
class TableGraph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        return next(node for node in self.nodes if node.id == node_id)

    def around(self, table: str) -> TableGraph:
        """``table`` with everything upstream and downstream of it, and the error paths of those tables."""
        if table not in {node.id for node in self.nodes}:
            raise KeyError(table)
        main = [edge for edge in self.edges if edge.kind == MAIN_PATH]
        kept = {table} | _reachable(table, main, forward=False) | _reachable(table, main, forward=True)
        return self._keeping(kept, kept)

    def layer(self, layer: str) -> TableGraph:
        """The tables of ``layer``, what they read and where their rows go."""
        kept = {node.id for node in self.nodes if node.layer == layer}
        if not kept:
            raise KeyError(layer)
        inputs = {edge.source for edge in self.edges if edge.target in kept and edge.kind == MAIN_PATH}
        return self._keeping(kept | inputs, kept)

    def _keeping(self, kept: set[str], checked: set[str]) -> TableGraph:
        """The kept nodes, the edges among them, and the error paths leaving the ``checked`` ones."""
        errors = {edge.target for edge in self.edges if edge.source in checked and edge.kind in ERROR_PATHS}
        ids = kept | errors
        return TableGraph(tuple(n for n in self.nodes if n.id in ids),
                          tuple(e for e in self.edges if e.source in ids and e.target in ids
                                and (e.kind == MAIN_PATH or e.source in checked)))


def _reachable(start: str, edges: Sequence[Edge], forward: bool) -> set[str]:
    step = {}
    for edge in edges:
        here, there = (edge.source, edge.target) if forward else (edge.target, edge.source)
        step.setdefault(here, set()).add(there)
    found, todo = set(), [start]
    while todo:
        for there in step.get(todo.pop(), ()):
            if there not in found:
                found.add(there)
                todo.append(there)
    return found


def table_graph(tables: Iterable[Table]) -> TableGraph:
    """Every declared table, its sources, its quarantine and companions, and what its write counts but keeps out."""
    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    for table in tables:
        nodes[table.name] = Node(table.name, table.layer, table.grain, table.key)
        if isinstance(table.source, Landing):
            folder = f"landing/{table.source.folder}"
            nodes[folder] = Node(folder, "landing", "files as they land" + (", CSV with a header"
                                                                             if table.source.header_key else ""))
            edges.append(Edge(folder, table.name))
        edges += [Edge(source, table.name) for source in table.inputs]
        if table.rules:
            quarantine = f"quarantine.{table.short_name}"
            nodes[quarantine] = Node(quarantine, "quarantine", "one row per record that failed a rule, with "
                                                               "every rule it failed")
            edges.append(Edge(table.name, quarantine, "quarantine", "fails a rule"))
        for companion in table.write.companion_names(table.name):
            nodes[companion] = Node(companion, companion.split(".")[0], "one row per deleted key: its tombstone",
                                    table.key)
            edges.append(Edge(table.name, companion, "tombstones", "deletes"))
        if table.write.unchanged_rows:
            edges.append(Edge(table.name, table.name, "counted", f"{table.write.unchanged_rows}: counted in {RUNS}"))
    order = {layer: rank for rank, layer in enumerate(LAYERS)}
    return TableGraph(tuple(sorted(nodes.values(), key=lambda n: (order[n.layer], n.id))), tuple(edges))


def to_dot(graph: TableGraph) -> graphviz.Digraph:
    """Left to right, a cluster per layer; error paths red and dashed."""
    dot = graphviz.Digraph("tables", graph_attr={"rankdir": "LR", "fontname": "Helvetica", "nodesep": "0.25",
                                                 "ranksep": "0.9"},
                           node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica",
                                      "fontsize": "10"},
                           edge_attr={"fontname": "Helvetica", "fontsize": "9", "color": "#555555"})
    for layer in LAYERS:
        members = [node for node in graph.nodes if node.layer == layer]
        if not members:
            continue
        with dot.subgraph(name=f"cluster_{layer}", graph_attr={"label": layer, "style": "dashed",
                                                               "color": "#999999"}) as cluster:
            for node in members:
                cluster.node(node.id, label="\n".join(node.lines), fillcolor=FILL[layer],
                             color="#c0392b" if layer == "quarantine" else "#555555",
                             shape="folder" if layer == "landing" else "note" if layer == "ops" else "box")
    for edge in graph.edges:
        error = edge.kind in ERROR_PATHS
        dot.edge(edge.source, edge.target, label=edge.label, color="#c0392b" if error else "#555555",
                 fontcolor="#c0392b" if error else "#555555", style="dashed" if error else "solid",
                 constraint="false" if edge.kind == "quarantine" else "true")
    for table, quarantine in _quarantines(graph):  # a quarantine sits in its table's column, below it
        for source in (edge.source for edge in graph.edges if edge.target == table and edge.kind == MAIN_PATH):
            dot.edge(source, quarantine, style="invis")
    return dot


def _quarantines(graph: TableGraph) -> list[tuple[str, str]]:
    return [(edge.source, edge.target) for edge in graph.edges if edge.kind == "quarantine"]


def _mermaid_id(node_id: str) -> str:
    return node_id.replace(".", "_").replace("/", "__")


def to_mermaid(graph: TableGraph) -> str:
    """A Mermaid flowchart: the same nodes and edges, error paths dotted and red."""
    lines = ["flowchart LR"]
    for layer in LAYERS:
        members = [node for node in graph.nodes if node.layer == layer]
        if members:
            lines.append(f"  subgraph {layer}")
            lines += [f'    {_mermaid_id(n.id)}["{"<br/>".join(line.replace(chr(34), "#quot;") for line in n.lines)}"]'
                      f":::{layer}" for n in members]
            lines.append("  end")
    errors = []
    for number, edge in enumerate(graph.edges):
        arrow = f'-. "{edge.label}" .->' if edge.kind in ERROR_PATHS else "-->"
        lines.append(f"  {_mermaid_id(edge.source)} {arrow} {_mermaid_id(edge.target)}")
        if edge.kind in ERROR_PATHS:
            errors.append(str(number))
    if errors:
        lines.append(f"  linkStyle {','.join(errors)} stroke:#c0392b,color:#c0392b")
    lines += [f"  classDef {layer} fill:{colour},stroke:#555555" for layer, colour in FILL.items()]
    return "\n".join(lines) + "\n"


def can_render() -> bool:
    """Graphviz's ``dot`` draws SVG and PNG; without it, Mermaid and DOT text are still written."""
    return shutil.which("dot") is not None


TEXT_FORMATS = ("mmd", "dot")
IMAGE_FORMATS = ("svg", "png")


def write_graph(graph: TableGraph, folder: Path, name: str,
                formats: Sequence[str] = (*TEXT_FORMATS, *IMAGE_FORMATS)) -> list[Path]:
    """``<folder>/<name>.<format>`` for each format; the images only where Graphviz's ``dot`` is installed."""
    folder.mkdir(parents=True, exist_ok=True)
    dot = to_dot(graph)
    texts = {"mmd": to_mermaid(graph), "dot": dot.source}
    written = []
    for file_format in formats:
        if file_format in IMAGE_FORMATS and not can_render():
            continue
        path = folder / f"{name}.{file_format}"
        if file_format in texts:
            path.write_text(texts[file_format])
        else:
            path.write_bytes(dot.pipe(format=file_format))
        written.append(path)
    return written


def image(graph: TableGraph, image_format: str = "svg") -> bytes | None:
    """The graph drawn by Graphviz, or None where ``dot`` is not installed."""
    return to_dot(graph).pipe(format=image_format) if can_render() else None

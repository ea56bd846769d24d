"""The summary as one self-contained HTML page: the same tables, each with a chart, viewable offline.

Charts are drawn by matplotlib's Agg renderer (a bare ``Figure``, no pyplot: no display and no
global state) and embedded as base64 PNG, so the page needs no network and can be mailed as is.
"""
from __future__ import annotations

import base64
import html
import io
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.dates import DateFormatter, DayLocator
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from lakehouse.lib import registry
from lakehouse.lib.config import Settings
from lakehouse.lib.graph import image, table_graph
from lakehouse.lib.story import FUNNEL_STEPS, Story
from lakehouse.lib.summary import (QUARANTINE_ROWS_SHOWN, StoryTable, accounting_table, churn_table,
                                   error_peaks_table, funnel_table, last_run_line, layers_table, quarantine_table,
                                   revenue_table, whereabouts, zero_results_table)

WIDE = (10, 3.6)
ERROR_RED = "#c0392b"
BAR_BLUE = "#2e86c1"
DOLLARS = FuncFormatter(lambda value, _: f"${value:,.0f}")
THOUSANDS = FuncFormatter(lambda value, _: f"{value:,.0f}")
STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0 auto;
       max-width: 1080px; padding: 24px; }
h1 { margin-bottom: 4px; } h2 { margin-top: 36px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta, .note { color: #555; } img { max-width: 100%; display: block; margin: 8px 0; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; white-space: nowrap; }
th { background: #f4f6f8; } .text { text-align: left; } .number { text-align: right; }
tr.total td { font-weight: bold; border-top: 2px solid #999; } code { background: #f4f6f8; padding: 1px 4px; }
"""


def write_report(story: Story, settings: Settings) -> Path:
    """Write ``<paths.report>/index.html`` and return its path."""
    sections = [
        section(revenue_table(story), revenue_chart(story.revenue_by_day)),
        section(funnel_table(story), funnel_chart(story.funnel_by_device)),
        section(zero_results_table(story), zero_results_chart(story.zero_result_queries)),
        section(error_peaks_table(story), traffic_chart(story.traffic_by_hour)),
        section(quarantine_table(story), quarantine_chart(story.quarantine_by_rule)),
        section(accounting_table(story), None),
        section(layers_table(story), None),
        section(churn_table(story), None),
        graph_section(),
    ]
    where = "".join(f"<li><code>{html.escape(line)}</code></li>" for line in whereabouts(settings))
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Retail lakehouse summary</title>'
            f"<style>{STYLE}</style></head><body><h1>Retail lakehouse summary</h1>"
            f'<p class="meta">{html.escape(last_run_line(story))}<br>'
            f"Written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by <code>lakehouse summary</code></p>"
            f"{''.join(sections)}<h2>Where the data is</h2><ul>{where}</ul></body></html>\n")
    folder = Path(settings.paths.report)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def graph_section() -> str:
    """The declared table graph as an inline SVG image; a line saying how to get it where Graphviz is missing."""
    drawn = image(table_graph(registry.select("all")))
    picture = (f'<img alt="Table graph" src="data:image/svg+xml;base64,{base64.b64encode(drawn).decode("ascii")}">'
               if drawn else '<p class="note">Install Graphviz to see the table graph here '
                             "(<code>lakehouse graph</code> writes it as Mermaid text meanwhile).</p>")
    return ("<section><h2>Table graph</h2>" + picture + '<p class="note">Drawn from the table declarations by '
            "<code>lakehouse graph</code>: what reads what, and in red where rows leave the main path.</p></section>")


def section(story_table: StoryTable, chart: Figure | None) -> str:
    image = f'<img alt="{html.escape(story_table.title)}" src="{png(chart)}">' if chart is not None else ""
    note = f'<p class="note">{html.escape(story_table.note)}</p>' if story_table.note else ""
    return f"<section><h2>{html.escape(story_table.title)}</h2>{image}{html_table(story_table)}{note}</section>"


def html_table(story_table: StoryTable) -> str:
    if not story_table.rows:
        return ""
    aligns = ["text" if position < story_table.text_columns else "number"
              for position in range(len(story_table.headers))]
    head = "".join(f'<th class="{align}">{html.escape(header)}</th>'
                   for align, header in zip(aligns, story_table.headers))
    body = []
    for position, row in enumerate(story_table.rows):
        is_total = story_table.last_row_is_total and position == len(story_table.rows) - 1
        cells = "".join(f'<td class="{align}">{html.escape(cell)}</td>' for align, cell in zip(aligns, row))
        body.append(f'<tr class="total">{cells}</tr>' if is_total else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def png(figure: Figure) -> str:
    """The figure as a ``data:`` URI, so the page carries its own images."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def revenue_chart(revenue: pd.DataFrame | None) -> Figure | None:
    """Revenue per day stacked by country; the totals row and column are left to the table."""
    if revenue is None or len(revenue) < 2:
        return None
    days = revenue.iloc[:-1]
    countries = [column for column in revenue.columns if column not in ("date", "total")]
    figure = Figure(figsize=WIDE)
    axes = figure.subplots()
    labels = [f"{day:%a %d %b}" for day in days["date"]]
    bottom = np.zeros(len(days))
    for country in countries:
        axes.bar(labels, days[country], bottom=bottom, label=country)
        bottom += days[country].to_numpy(dtype=float)
    axes.yaxis.set_major_formatter(DOLLARS)
    axes.set_ylabel("revenue (USD)")
    axes.tick_params(axis="x", labelrotation=30)
    axes.legend(title="country", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


def funnel_chart(funnel: pd.DataFrame | None) -> Figure | None:
    """Sessions reaching each step (all devices), and conversion side by side per device."""
    if funnel is None or funnel.empty:
        return None
    overall, by_device = funnel.iloc[0], funnel.iloc[1:]
    figure = Figure(figsize=WIDE)
    steps, devices = figure.subplots(1, 2, width_ratios=(3, 2))
    counts = [overall[step] for step in FUNNEL_STEPS]
    bars = steps.barh(list(FUNNEL_STEPS.values()), counts, color=BAR_BLUE)
    steps.bar_label(bars, labels=[f"{n:,.0f} ({n / counts[0]:.1%})" if counts[0] else f"{n:,.0f}" for n in counts],
                    padding=3)
    steps.invert_yaxis()
    steps.set_xlim(0, max(counts) * 1.35 or 1)
    steps.xaxis.set_major_formatter(THOUSANDS)
    steps.set_title(f"sessions reaching each step ({overall['device']})")
    devices.bar(by_device["device"], by_device["conversion_rate"], color=BAR_BLUE)
    devices.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    devices.set_title("conversion by device")
    return figure


def zero_results_chart(queries: pd.DataFrame | None) -> Figure | None:
    if queries is None or queries.empty:
        return None
    figure = Figure(figsize=WIDE)
    axes = figure.subplots()
    axes.barh(queries["query"], queries["zero_result_searches"], color=BAR_BLUE)
    axes.invert_yaxis()
    axes.set_xlabel("searches with no results")
    return figure


def traffic_chart(traffic: pd.DataFrame | None) -> Figure | None:
    """Requests per hour as bars, the 5xx share as a line on its own axis: peaks show where they meet."""
    if traffic is None or traffic.empty:
        return None
    figure = Figure(figsize=WIDE)
    requests = figure.subplots()
    requests.bar(traffic["hour"], traffic["requests"], width=1 / 24, align="edge", color="#aab7c4")
    requests.set_ylabel("requests per hour (bars)")
    requests.yaxis.set_major_formatter(THOUSANDS)
    requests.xaxis.set_major_locator(DayLocator())
    requests.xaxis.set_major_formatter(DateFormatter("%a %d %b"))
    errors = requests.twinx()
    errors.plot(traffic["hour"], traffic["error_rate"], color=ERROR_RED, linewidth=1.2)
    errors.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    errors.set_ylabel("5xx share (line)", color=ERROR_RED)
    errors.set_ylim(bottom=0)
    requests.tick_params(axis="x", labelrotation=30)
    return figure


def quarantine_chart(by_rule: pd.DataFrame) -> Figure | None:
    """The rules behind most quarantined rows, as in the table."""
    if by_rule.empty:
        return None
    top = by_rule.head(QUARANTINE_ROWS_SHOWN)
    figure = Figure(figsize=(10, 0.3 * len(top) + 1))
    axes = figure.subplots()
    axes.barh([f"{table} · {rule}" for table, rule in zip(top["table"], top["rule"])], top["rows"], color=BAR_BLUE)
    axes.invert_yaxis()
    axes.set_xlabel("quarantined rows")
    return figure

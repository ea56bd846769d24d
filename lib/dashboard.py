"""The lakehouse's Grafana dashboard as code: pipeline health, data quality, freshness and streaming lag, over the
metrics of lib/metrics.py, built with Grafana's own typed builders (grafana-foundation-sdk).

``lakehouse dashboard`` writes it as JSON for Grafana's provisioning or its import page; the Prometheus
data source is a variable, chosen when the dashboard is opened.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from grafana_foundation_sdk.builders.dashboard import Dashboard, DatasourceVariable, Row
from grafana_foundation_sdk.builders.prometheus import Dataquery
from grafana_foundation_sdk.builders.stat import Panel as Stat
from grafana_foundation_sdk.builders.timeseries import Panel as Timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef

UID = "retail-lakehouse"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str


@dataclass(frozen=True)
class Chart:
    title: str
    unit: str
    queries: tuple[Query, ...]
    description: str
    stat: bool = False  # one figure per series, as it is now, rather than a line over time


SECTIONS: dict[str, tuple[Chart, ...]] = {
    "Pipeline health": (
        Chart("Rows written per second", "rowsps",
              (Query("sum by (table) (rate(lakehouse_rows_written_total[$__rate_interval]))", "{{table}}"),),
              "Rows each table inserted or changed, from its micro-batches, gold refreshes and batch runs."),
        Chart("Table run time, p95", "s",
              (Query("histogram_quantile(0.95, sum by (table, le) "
                     "(rate(lakehouse_table_run_seconds_bucket[$__rate_interval])))", "{{table}}"),),
              "A micro-batch in a stream, a gold refresh, or a batch run's table."),
        Chart("Failed table runs", "short",
              (Query("sum by (table) (lakehouse_table_runs_total{status=\"failed\"})", "{{table}}"),),
              "Runs that ended in an error; a batch run's stay until the next push of its selection.", stat=True),
    ),
    "Data quality": (
        Chart("Rows quarantined per second", "rowsps",
              (Query("sum by (table) (rate(lakehouse_rows_quarantined_total[$__rate_interval]))", "{{table}}"),),
              "Rows that failed a quarantine rule; `lakehouse quarantine summary` shows them by rule and day."),
        Chart("Rule failures per second", "rowsps",
              (Query("sum by (table, rule) (rate(lakehouse_rule_failures_total[$__rate_interval]))",
                     "{{table}}: {{rule}}"),),
              "Rows failing each rule, quarantine and warn alike."),
        Chart("Quarantined share", "percentunit",
              (Query("sum by (table) (rate(lakehouse_rows_quarantined_total[$__rate_interval])) / "
                     "sum by (table) (rate(lakehouse_rows_read_total[$__rate_interval]))", "{{table}}"),),
              "Quarantined rows over rows read; quality.max_quarantine_ratio is the limit a run enforces."),
    ),
    "Freshness": (
        Chart("Age of the newest row in gold", "s",
              (Query("time() - lakehouse_gold_newest_row_timestamp_seconds", "{{table}}"),),
              "Now minus the newest value of each gold table's date or time key (a day counts from its start).",
              stat=True),
    ),
    "Streaming": (
        Chart("Kafka lag", "short",
              (Query("sum by (query, topic) (lakehouse_kafka_lag_messages)", "{{query}} ({{topic}})"),),
              "Messages on each topic beyond the query's last micro-batch."),
        Chart("Input and processing rate", "rowsps",
              (Query("sum by (query) (lakehouse_stream_input_rows_per_second)", "{{query}} in"),
               Query("sum by (query) (lakehouse_stream_processed_rows_per_second)", "{{query}} processed")),
              "A query keeps up while it processes at least as fast as rows arrive."),
        Chart("Seconds since a query's last progress", "s",
              (Query("time() - lakehouse_stream_last_progress_timestamp_seconds", "{{query}}"),),
              "A running query reports progress or idleness every few seconds; a stalled one does not.",
              stat=True),
    ),
}


def queries() -> list[str]:
    """Every PromQL expression on the dashboard."""
    return [query.expr for charts in SECTIONS.values() for chart in charts for query in chart.queries]


def build() -> Dashboard:
    dashboard = (Dashboard("Retail lakehouse").uid(UID).tags(["lakehouse", "generated"])
                 .refresh("30s").time("now-6h", "now").timezone("utc")
                 .with_variable(DatasourceVariable("datasource").label("Prometheus").type("prometheus")))
    for section, charts in SECTIONS.items():
        dashboard = dashboard.with_row(Row(section))
        for chart in charts:
            panel = (Stat() if chart.stat else Timeseries()).title(chart.title).description(chart.description)
            panel = panel.unit(chart.unit).datasource(DATASOURCE).span(24 // len(charts)).height(8)
            for letter, query in zip("ABCDEFGH", chart.queries):
                panel = panel.with_target(Dataquery().expr(query.expr).legend_format(query.legend).ref_id(letter)
                                          .datasource(DATASOURCE))
            dashboard = dashboard.with_panel(panel)
    return dashboard


def write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{UID}.json"
    path.write_text(json.dumps(build().build(), cls=JSONEncoder, indent=2, sort_keys=True) + "\n")
    return path

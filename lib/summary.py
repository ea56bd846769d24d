"""What the command line prints: tables of what was written, read or declared, and the lakehouse's story.

The story's tables are formatted here once, as text (``StoryTable``), so the terminal and
the HTML report (``lib/report.py``) show the same figures.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Iterable

import pandas as pd
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from lakehouse.lib.churn import METRICS
from lakehouse.lib.config import Settings
from lakehouse.lib.erasure import Erased
from lakehouse.lib.generator import GenerationSummary
from lakehouse.lib.maintenance import Maintained
from lakehouse.lib.quality import docs_index
from lakehouse.lib.quality.quarantine import SHOWN, Replayed
from lakehouse.lib.registry import Landing, Table
from lakehouse.lib.runlog import PHASES, TableRun
from lakehouse.lib.status import TableStatus
from lakehouse.lib.story import FUNNEL_STEPS, MIN_PEAK_REQUESTS, RECENT_DAYS, TOP_PEAKS, TOP_QUERIES, Story

if TYPE_CHECKING:  # the churn modules import TensorFlow: only `lakehouse train` loads them
    from lakehouse.lib.churn.scoring import Scored
    from lakehouse.lib.churn.training import Trained

QUARANTINE_ROWS_SHOWN = 15
HELD_TEXT_CHARS = 300

MLFLOW_UI = "http://127.0.0.1:5000"  # where `make mlflow-ui` serves it

TEXT_COLUMNS = {"source", "table", "layer", "rule", "reads", "key", "grain", "model"}


def _table(title: str, *columns: str) -> RichTable:
    table = RichTable(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column, justify="left" if column in TEXT_COLUMNS else "right")
    return table


def print_generation(console: Console, summary: GenerationSummary, landing: str) -> None:
    table = _table(f"Landing zone: {landing}", "source", "files", "records", "bad on purpose")
    for source, counts in summary.sources.items():
        table.add_row(source, f"{counts.files:,}", f"{counts.records:,}", f"{counts.bad:,}")
    console.print(table)


def print_run(console: Console, runs: Iterable[TableRun]) -> None:
    """Rows per table, then where each table's seconds went (``runlog.PHASES`` and the rest)."""
    runs = list(runs)
    rows = _table("Run", "table", "batches", "read", "written", "quarantined", "duplicate", "late", "checks held",
                  "seconds")
    time = _table("Where the time went (seconds)", "table", *PHASES, "other")
    for run in runs:
        checks = f"{run.checks_held} of {run.checks_validated}" if run.checks_validated else "-"
        rows.add_row(run.table, str(run.batches), f"{run.rows_read:,}", f"{run.rows_written:,}",
                     f"{run.rows_quarantined:,}", f"{run.rows_duplicate:,}", f"{run.rows_late:,}", checks,
                     f"{run.seconds:.1f}")
        time.add_row(run.table, *[f"{run.phase_seconds[phase]:.1f}" for phase in PHASES], f"{run.other_seconds:.1f}")
    console.print(rows)
    console.print(time)
    for run in runs:
        if run.rows_suppressed:
            console.print(f"{run.table}: {run.rows_suppressed:,} records of erased customers read and not written "
                          f"(ops.erasures)", highlight=False)
    for warning in (warning for run in runs for warning in run.warnings):
        console.print(Text.assemble(("warning: ", "bold yellow"), warning))


def status_table(statuses: Iterable[TableStatus], now: datetime) -> RichTable:
    """Per table: its last commit and age, and what the last minute's runs and micro-batches did."""
    table = _table(f"Tables at {now:%Y-%m-%d %H:%M:%S} UTC", "table", "version", "last commit (UTC)", "age",
                   "rows last minute", "input rows/s", "processed rows/s")
    for status in statuses:
        processed = status.processing_rate
        table.add_row(status.table, str(status.version), f"{status.committed_at:%Y-%m-%d %H:%M:%S}",
                      _age(status.age(now)), f"{status.rows_written:,}", f"{status.input_rate:,.1f}",
                      "-" if processed is None else f"{processed:,.1f}")
    return table


def _age(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h" if seconds < 172_800 else f"{seconds // 86_400} d"


def print_tables(console: Console, tables: Iterable[Table]) -> None:
    table = _table("Declared tables", "table", "reads", "key", "rules", "checks", "grain")
    for declared in tables:
        source = (f"landing/{declared.source.folder}" if isinstance(declared.source, Landing)
                  else ", ".join(declared.inputs))
        checks = str(len(declared.table_checks)) if declared.layer != "bronze" else "-"
        table.add_row(declared.name, source, ", ".join(declared.key) or "-", str(len(declared.rules)), checks,
                      declared.grain)
    console.print(table)


def print_maintained(console: Console, done: Iterable[Maintained]) -> None:
    table = _table("Maintained tables", "table", "files before", "files after", "laid out by", "files removed",
                   "kept (hours)", "log entries before", "after", "checkpoint at")
    for one in done:
        table.add_row(one.table, str(one.files_before), str(one.files_after), _layout(one),
                      str(one.removed_files), f"{one.retain_hours:g}", str(one.log_entries_before),
                      str(one.log_entries_after), f"v{one.checkpoint_version}")
    console.print(table)


def _layout(one: Maintained) -> str:
    if one.zorder_by:
        return f"Z-order: {', '.join(one.zorder_by)}"
    return f"clustered: {', '.join(one.cluster_by)}" if one.cluster_by else "-"


def print_erased(console: Console, erased: Erased) -> None:
    """The rows each table lost, then what keeps the customers out and where their old bytes went."""
    table = _table("Rows removed", "table", "rows")
    for name, rows in sorted(erased.rows_removed.items()):
        if rows:
            table.add_row(name, f"{rows:,}")
    console.print(table if table.row_count else "No table held a row of these customers.")
    console.print(f"Recorded in ops.erasures ({', '.join(erased.erasure_ids)}): later runs suppress these customers' "
                  f"landed records.", highlight=False)
    if erased.docs_cleared:
        console.print("Data Docs and validation results removed; `lakehouse dq docs` builds them again.")
    if erased.vacuumed:
        console.print(f"Vacuumed {len(erased.vacuumed)} tables: no older version holds the removed rows.")
    else:
        console.print("Older versions keep the removed rows until `lakehouse maintain` vacuums past each layer's "
                      "retention (or run forget with --purge).")


def print_quarantine_summary(console: Console, counts: pd.DataFrame) -> None:
    table = _table("Quarantine by table, rule and day", "table", "rule", "day", "held", "replayed")
    for row in counts.itertuples():
        table.add_row(row.table, row.rule, str(row.day), f"{row.held:,}", f"{row.replayed:,}")
    console.print(table if len(counts) else "Nothing quarantined.")


def print_held_rows(console: Console, title: str, rows: pd.DataFrame) -> None:
    """Held rows, newest first, two lines each: the rules, when, which run and file; the fields as they arrived
    (absent ones left out), or the line itself where nothing parsed."""
    if not len(rows):
        console.print(f"{title}: no row held.", highlight=False)
        return
    console.print(Text(title, style="bold"))
    fields = [name for name in rows.columns if not name.startswith("_") and name not in SHOWN]
    for row in rows.to_dict("records"):
        arrived = ", ".join(f"{name}={row[name]}" for name in fields if row[name] is not None) or row["_raw"] or ""
        console.print(Text.assemble((", ".join(row["failed_rules"]), "bold"),
                                    f"  {row['quarantined_at']:%Y-%m-%d %H:%M:%S}  run {row['run_id']}  "
                                    f"rules {row['rules_version'] or '-'}  "
                                    f"{str(row['_origin']).rsplit('/', 1)[-1]}"))
        console.print(Text(f"  {arrived[:HELD_TEXT_CHARS]}"))


def print_replayed(console: Console, replayed: Replayed) -> None:
    if replayed.replay_id is None:
        console.print(f"{replayed.table}: no held row passes the current rules; "
                      f"{replayed.still_held:,} rows stay held.", highlight=False)
        return
    console.print(f"{replayed.table}: replay {replayed.replay_id} promoted {replayed.promoted:,} rows "
                  f"({replayed.applied:,} applied, the rest duplicates or superseded); "
                  f"{replayed.still_held:,} rows stay held.", highlight=False)
    console.print(f"  held back by rules {', '.join(replayed.judged_by)}, judged now by {replayed.rules_version}: "
                  + ("; ".join(replayed.changes) or "the same rules as then, so what changed is the data they read"),
                  highlight=False)


def print_trained(console: Console, trained: Trained) -> None:
    table = _table(f"Churn model on the holdout (as of {trained.holdout_date}, "
                   f"{trained.rows['holdout']:,} customers, {trained.churn_rate:.1%} churned)",
                   "model", *METRICS.values())
    for name, scores in (("Keras", trained.model), ("baseline (logistic regression)", trained.baseline)):
        table.add_row(name, *(f"{scores[metric]:.3f}" for metric in METRICS))
    console.print(table)
    decision = trained.decision.summary
    console.print(f"Trained on {trained.rows['train']:,} snapshot rows ({trained.rows['validation']:,} more for "
                  f"early stopping, {trained.epochs} epochs). {decision[:1].upper()}{decision[1:]}.", highlight=False)
    console.print(f"MLflow run {trained.run_id} in {trained.tracking_uri}; compare runs and see the champion "
                  f"with `make mlflow-ui`.", highlight=False)


def print_scored(console: Console, scored: Scored) -> None:
    mean = ("no customers" if scored.mean_probability is None
            else f"mean churn probability {scored.mean_probability:.1%}")
    console.print(f"gold.customer_scores: {scored.customers:,} customers (features as of {scored.as_of_date}) scored "
                  f"by {scored.model_name} version {scored.model_version}, the champion; {mean}.", highlight=False)


@dataclass(frozen=True)
class StoryTable:
    """One section of the story as text, shared by the terminal and the HTML report."""

    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    note: str = ""
    text_columns: int = 1
    last_row_is_total: bool = False


def revenue_table(story: Story) -> StoryTable:
    title = "Revenue by day and country (USD)"
    if story.revenue_by_day is None:
        return not_built(title, "gold.daily_sales")
    countries = tuple(story.revenue_by_day.columns[1:])
    rows = [(day(record["date"]), *[number(record[c]) for c in countries])
            for record in story.revenue_by_day.to_dict("records")]
    return StoryTable(title, ("date", *countries), rows, last_row_is_total=True,
                      note=f"The latest {RECENT_DAYS} order dates (UTC); the total counts every date. Whole dollars; "
                           f"cancelled and returned orders left out.")


def funnel_table(story: Story) -> StoryTable:
    """Steps down, devices across, each cell with its share of the sessions it started from."""
    title = "Shopping funnel (sessions over all days)"
    if story.funnel_by_device is None:
        return not_built(title, "gold.funnel_daily")
    devices = story.funnel_by_device.to_dict("records")
    overall, by_device = devices[0], devices[1:]
    rows, previous = [], None
    for step, label in FUNNEL_STEPS.items():
        rows.append((label, number(overall[step]), share(overall[step], overall["sessions"]),
                     "" if previous is None else share(overall[step], previous),
                     *[number(device[step]) for device in by_device]))
        previous = overall[step]
    rows.append(("conversion", share(overall["purchase_sessions"], overall["sessions"]), "", "",
                 *[share(device["purchase_sessions"], device["sessions"]) for device in by_device]))
    headers = ("step", overall["device"], "of sessions", "of previous", *[device["device"] for device in by_device])
    return StoryTable(title, headers, rows, last_row_is_total=True, note="Conversion: purchase sessions / sessions.")


def zero_results_table(story: Story) -> StoryTable:
    title = "Searches with no results"
    if story.zero_result_queries is None:
        return not_built(title, "gold.search_terms_daily")
    rows = [(record["query"], number(record["zero_result_searches"]), number(record["searches"]),
             share(record["zero_result_searches"], record["searches"]))
            for record in story.zero_result_queries.to_dict("records")]
    return StoryTable(title, ("query", "no results", "searches", "share"), rows,
                      note=f"Top {TOP_QUERIES} queries, normalised: lower case, trimmed, inner spaces collapsed.")


def error_peaks_table(story: Story) -> StoryTable:
    title = "Server error-rate peaks"
    if story.error_rate_peaks is None or story.server_errors_overall is None:
        return not_built(title, "gold.server_health_minute")
    rows = [(f"{record['minute']:%Y-%m-%d %H:%M}", number(record["requests"]), number(record["errors_5xx"]),
             share(record["errors_5xx"], record["requests"]), number(record["p95_response_ms"]))
            for record in story.error_rate_peaks.to_dict("records")]
    overall = story.server_errors_overall.iloc[0]
    return StoryTable(title, ("minute (UTC)", "requests", "5xx", "error rate", "p95 ms"), rows,
                      note=f"Top {TOP_PEAKS} minutes with at least {MIN_PEAK_REQUESTS} requests. Overall: "
                           f"{number(overall['errors_5xx'])} of {number(overall['requests'])} requests answered 5xx "
                           f"({share(overall['errors_5xx'], overall['requests'], digits=2)}).")


def quarantine_table(story: Story) -> StoryTable:
    """The rules that caught the most rows; the long tail is summed up in one line."""
    records = story.quarantine_by_rule.to_dict("records")
    shown, more = records[:QUARANTINE_ROWS_SHOWN], records[QUARANTINE_ROWS_SHOWN:]
    note = "A row that failed several rules counts under each." if records else "Nothing quarantined."
    if more:
        note = f"... {len(more)} more (table, rule) pairs, {number(sum(r['rows'] for r in more))} rows. " + note
    rows = [(record["table"], record["rule"], number(record["rows"])) for record in shown]
    return StoryTable("Quarantine by rule", ("table", "rule", "rows"), rows, note=note, text_columns=2)


def accounting_table(story: Story) -> StoryTable:
    """Per source: landed, bronze and where silver put every bronze row, each counted on its own."""
    rows = [(record["source"], number(record["landed"]), number(record["bronze"]), number(record["applied"]),
             number(record["quarantined"]), number(record["duplicate"]), number(record["silver_rows"]),
             "yes" if record["balanced"] else "NO")
            for record in story.accounting.to_dict("records")]
    return StoryTable("Nothing lost: landed, bronze, silver", ("source", "landed", "bronze", "applied", "quarantined",
                                                               "duplicate", "silver rows", "balanced"), rows,
                      note="landed: records in the files, counted without Spark; applied: rows inserted or changes "
                           "applied; duplicate: copies and changes that changed nothing. balanced: landed = bronze "
                           "= applied + quarantined + duplicate.")


def layers_table(story: Story) -> StoryTable:
    rows = [(record["layer"], number(record["tables"]), number(record["rows"]))
            for record in story.rows_per_layer.to_dict("records")]
    return StoryTable("Rows per layer", ("layer", "tables", "rows"), rows)


def churn_table(story: Story) -> StoryTable:
    """The champion's holdout scores beside the baseline's, and where to look in the MLflow UI."""
    champion = story.champion
    if champion is None:
        return StoryTable("Churn model", (), [], note="No champion yet: run `lakehouse train` (make train).")
    rows = [(name, *(f"{scores[metric]:.3f}" if metric in scores else "-" for metric in METRICS))
            for name, scores in ((f"{champion.model_name} version {champion.version} (champion)", champion.model),
                                 ("baseline (logistic regression)", champion.baseline))]
    return StoryTable(
        f"Churn model on the holdout (as of {champion.holdout_date})", ("model", *METRICS.values()), rows,
        note=f"{number(champion.customers_scored)} customers scored by version {champion.version} in "
             f"gold.customer_scores. MLflow UI: `make mlflow-ui`, then {MLFLOW_UI}/#/models/{champion.model_name} "
             f"for the versions and their aliases, Experiments > {champion.model_name} to compare runs "
             f"(run {champion.run_id}).")


def story_tables(story: Story) -> list[StoryTable]:
    return [revenue_table(story), funnel_table(story), zero_results_table(story), error_peaks_table(story),
            quarantine_table(story), accounting_table(story), layers_table(story), churn_table(story)]


def last_run_line(story: Story) -> str:
    if story.last_run is None or story.last_run.empty:
        return "Last run: none recorded in ops.runs"
    run = story.last_run.iloc[0]
    return (f"Last run: {run['run_id']}, finished {run['finished_at']:%Y-%m-%d %H:%M} UTC, "
            f"{number(run['tables'])} tables, {number(run['failed'])} failed")


def whereabouts(settings: Settings) -> list[str]:
    docs = docs_index(settings)
    return [f"Landing zone: {settings.paths.landing}",
            f"Tables: {settings.paths.lakehouse}/<layer>/<table>",
            f"Catalog: {settings.catalog_path or 'the metastore in spark.conf'} "
            f"(spark.sql(\"SELECT * FROM gold.daily_sales\"))",
            f"Data Docs: {docs.as_uri()}" if docs else "Data Docs: not built yet (lakehouse dq docs)"]


def print_story(console: Console, story: Story, settings: Settings) -> None:
    """The story's tables, then where the data is."""
    console.print(last_run_line(story), highlight=False)
    for story_table in story_tables(story):
        console.print(rich_table(story_table) if story_table.headers else Text(story_table.title, style="italic"))
        if story_table.note:
            console.print(story_table.note, highlight=False, markup=False)
    console.print("\n".join(whereabouts(settings)), highlight=False, markup=False)


def rich_table(story_table: StoryTable) -> RichTable:
    """Cells as plain ``Text``: a query like ``[sale]`` must not be read as rich markup."""
    table = RichTable(title=story_table.title, title_justify="left", header_style="bold")
    for position, header in enumerate(story_table.headers):
        table.add_column(header, justify="left" if position < story_table.text_columns else "right")
    for position, row in enumerate(story_table.rows):
        is_total = story_table.last_row_is_total and position == len(story_table.rows) - 1
        table.add_row(*[Text(cell) for cell in row], style="bold" if is_total else None,
                      end_section=story_table.last_row_is_total and position == len(story_table.rows) - 2)
    return table


def not_built(title: str, table: str) -> StoryTable:
    return StoryTable(title, (), [], note=f"{table} is not built yet: run `lakehouse run gold`.")


def day(value: object) -> str:
    """A date, or ``total`` for the all-dates row (its date is NULL)."""
    return "total" if pd.isna(value) else f"{value:%Y-%m-%d}"


def number(value: float) -> str:
    """Counts and dollars alike, whole, with thousands separators."""
    return "-" if pd.isna(value) else f"{value:,.0f}"


def share(part: float, whole: float | None, digits: int = 1) -> str:
    return "-" if whole is None or pd.isna(whole) or whole == 0 or pd.isna(part) else f"{part / whole:.{digits}%}"

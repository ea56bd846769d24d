"""The silver tables' rules as Great Expectations suites, validated on Spark and shown as Data Docs.

Nothing is declared twice: each ``Rule`` of a table becomes one GX
``UnexpectedRowsExpectation`` whose Spark SQL query selects exactly the rows the
row split names with that rule. The query is built from the rule's own ``holds``,
read the same way (``coalesce(holds, false)``, so NULL counts as broken), and a
rule that is not a precondition only counts rows whose preconditions held, as in
``rules.with_results``. GX's unexpected-row count per rule is therefore the
split's count per rule, on the same batch: the silver transformation's output.

Each silver and gold table's table-level checks (``lib/quality/checks.py``: its key's, and
the declared ones) become a suite ``<table>.stored`` of GX's own expectations, validated on
the stored table; their results join the row rules' in ``ops.dq_results``. Every suite's
``meta`` holds its version (``lakehouse.lib.quality.suite_version``).
``build_docs`` keeps a GX file project under ``<paths.report>/dq``: every suite,
validated on what is there now, and the Data Docs site built from them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Sequence
from urllib.parse import urlparse
from urllib.request import url2pathname

import great_expectations as gx
from delta.tables import DeltaTable
from great_expectations import expectations as gxe
from great_expectations.core import ExpectationSuiteValidationResult as SuiteResult
from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.metadata_types import FailureSeverity
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import DateType, StructType

from lakehouse.lib import registry, runlog
from lakehouse.lib.config import Settings
from lakehouse.lib.quality import project_folder, suite_version
from lakehouse.lib.quality.checks import (Check, Fresh, KeyUnique, MeanBetween, MedianBetween, NullShare, References,
                                          RowCount)
from lakehouse.lib.registry import Table
from lakehouse.lib.rules import Rule

DATASOURCE = "lakehouse"
BATCH = "whole batch"
SEVERITY = {"warn": FailureSeverity.WARNING, "quarantine": FailureSeverity.CRITICAL,
            "fail": FailureSeverity.CRITICAL}


def _literal(sql: str) -> str:
    """SQL as GX's query template reads it: ``{batch}`` is filled in, so a regex's own braces are doubled."""
    return sql.replace("{", "{{").replace("}", "}}")


def unexpected_rows_query(rule: Rule, rules: Sequence[Rule]) -> str:
    """The rows the split names with ``rule``: it failed and, unless it is one, every precondition held."""
    broken = [f"NOT coalesce(({_literal(rule.holds)}), false)"]
    if not rule.precondition:
        broken += [f"coalesce(({_literal(pre.holds)}), false)" for pre in rules if pre.precondition]
    return "SELECT * FROM {batch} WHERE " + " AND ".join(broken)


def expectation(rule: Rule, rules: Sequence[Rule]) -> gxe.UnexpectedRowsExpectation:
    kind = "precondition" if rule.precondition else rule.action
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=unexpected_rows_query(rule, rules),
        description=f"{rule.name} ({kind}): {rule.holds}",
        severity=SEVERITY[rule.action],
        meta={"rule": rule.name, "action": rule.action, "precondition": rule.precondition},
    )


def suite(table: Table) -> gx.ExpectationSuite:
    """One expectation per declared rule of ``table``, named after the table."""
    expectations = [expectation(rule, table.rules) for rule in table.rules]
    return gx.ExpectationSuite(name=table.name, expectations=expectations, meta={"version": table.rules_version})


def quiet(context: AbstractDataContext) -> AbstractDataContext:
    """No progress bars in command output or test logs."""
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate(context: AbstractDataContext, checks: gx.ExpectationSuite, batch: DataFrame) -> SuiteResult:
    """``checks`` on ``batch``, through an asset named after the suite; the result stored in ``context``."""
    source = context.data_sources.add_or_update_spark(name=DATASOURCE)
    asset = (next((a for a in source.assets if a.name == checks.name), None)
             or source.add_dataframe_asset(checks.name))
    whole = (next((b for b in asset.batch_definitions if b.name == BATCH), None)
             or asset.add_batch_definition_whole_dataframe(BATCH))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=checks.name, data=whole, suite=context.suites.add_or_update(checks)))
    batch = batch.persist()
    try:
        return definition.run(batch_parameters={"dataframe": batch})
    finally:
        batch.unpersist()


def unexpected_counts(result: SuiteResult) -> dict[str, int]:
    """Rule name -> rows GX found breaking it."""
    return {r.expectation_config.meta["rule"]: int(r.result["observed_value"]) for r in result.results}


def stored_suite(table: Table, settings: Settings, schema: StructType | None = None) -> gx.ExpectationSuite:
    """The table-level checks of the stored table (its key's and the declared ones), as of now: a ``Fresh`` check's
    oldest acceptable time is ``quality.max_age_hours`` before this moment (a day, for a date column of
    ``schema``). The suite's meta holds its version."""
    validated_at = datetime.now()  # naive local time, as PySpark hands back the stored timestamps it compares with
    dates = {f.name for f in schema.fields if isinstance(f.dataType, DateType)} if schema else set()
    expectations = [check_expectation(check, table, settings, validated_at, dates) for check in table.table_checks]
    return gx.ExpectationSuite(name=f"{table.name}.stored", expectations=expectations,
                               meta={"version": checks_version(table, settings)})


def checks_version(table: Table, settings: Settings) -> str:
    """The version of a table's checks: the declarations, and the age its ``Fresh`` checks allow."""
    has_fresh = any(isinstance(check, Fresh) for check in table.table_checks)
    age = [f"max_age_hours={settings.quality.max_age(table.name):g}"] if has_fresh else []
    return suite_version([*table.table_checks, *age])


def check_expectation(check: Check, table: Table, settings: Settings, validated_at: datetime,
                      dates: set[str]) -> gxe.Expectation:
    """The one GX expectation that judges ``check``; its ``meta`` names the check and its action."""
    reported = {"severity": SEVERITY[check.action], "meta": {"rule": check.name, "action": check.action},
                "description": f"{check.name} ({check.action})"}
    match check:
        case RowCount():
            return gxe.ExpectTableRowCountToBeBetween(min_value=check.low, max_value=check.high, **reported)
        case KeyUnique(columns=(column,)):
            return gxe.ExpectColumnValuesToBeUnique(column=column, **reported)
        case KeyUnique():
            return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(check.columns), **reported)
        case NullShare(at_most=0):
            return gxe.ExpectColumnValuesToNotBeNull(column=check.column, **reported)
        case NullShare():
            return gxe.ExpectColumnValuesToNotBeNull(column=check.column, mostly=1 - check.at_most, **reported)
        case MeanBetween():
            return gxe.ExpectColumnMeanToBeBetween(column=check.column, min_value=check.low, max_value=check.high,
                                                   **reported)
        case MedianBetween():
            return gxe.ExpectColumnMedianToBeBetween(column=check.column, min_value=check.low,
                                                     max_value=check.high, **reported)
        case Fresh():
            hours = settings.quality.max_age(table.name)
            oldest = validated_at - timedelta(hours=hours)
            oldest = oldest.date() if check.column in dates else oldest
            return gxe.ExpectColumnMaxToBeBetween(
                column=check.column, min_value=oldest, **{**reported, "description":
                                                          f"{check.name} ({check.action}): within {hours:g} h"})
        case References():
            query = (f"SELECT b.* FROM {{batch}} AS b LEFT ANTI JOIN delta.`{settings.table_path(check.table)}` "
                     f"AS r ON b.`{check.column}` = r.`{check.target_column}` WHERE b.`{check.column}` IS NOT NULL")
            return gxe.UnexpectedRowsExpectation(unexpected_rows_query=query, **reported)
    raise TypeError(f"{table.name}: no expectation for {check!r}")


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _error(info: dict) -> str | None:
    """What stopped an expectation: its own error, or the first failed metric's, which Great Expectations
    nests under the metric's id (great_expectations#10849)."""
    if info.get("raised_exception"):
        return info.get("exception_message")
    return next((each.get("exception_message") for each in info.values()
                 if isinstance(each, dict) and each.get("raised_exception")), None)


def check_results(run_id: str, table: Table, version: str, rows: int, result: SuiteResult) -> list[runlog.DqResult]:
    """``ops.dq_results`` rows of a stored suite's result: per check, the table's rows, the rows breaking it (for
    a check of a figure of the whole table, such as a mean, none), whether it held and what it found."""
    checks = {check.name: check for check in table.table_checks}
    recorded = []
    for r in result.results:
        check = checks[r.expectation_config.meta["rule"]]
        raised = None if r.success else _error(r.exception_info or {})
        found = r.result.get("unexpected_count", r.result.get("observed_value")) if check.counts_rows else 0
        observed = (f"error: {raised}"[:300] if raised
                    else f"{int(found or 0):,} of {rows:,} rows" if check.counts_rows
                    else _shown(r.result.get("observed_value")))
        recorded.append(runlog.DqResult(run_id, table.name, check.name, check.action, rows, int(found or 0),
                                        runlog.now(), version, bool(r.success), observed))
    return recorded


def validate_stored(context: AbstractDataContext, spark: SparkSession, settings: Settings, table: Table,
                    run_id: str) -> list[runlog.DqResult]:
    """The stored table's checks validated on what it holds now; its ``ops.dq_results`` rows."""
    data = spark.read.format("delta").load(settings.table_path(table.name)).persist()
    stored = stored_suite(table, settings, data.schema)
    try:
        rows = data.count()
        return check_results(run_id, table, stored.meta["version"], rows, validate(context, stored, data))
    finally:
        data.unpersist()


@dataclass(frozen=True)
class Docs:
    index: Path
    validated: tuple[str, ...]  # suites validated: a table's rules on its input, its stored checks on it
    not_built: tuple[str, ...]  # suites whose table or input is not built yet: shown, not validated
    recorded: int  # stored checks' results appended to ops.dq_results


def build_docs(spark: SparkSession, settings: Settings, run_id: str) -> Docs:
    """Every suite validated on what is there now, the stored checks' results in ``ops.dq_results``.

    A silver table's rules are validated on its transformation of its bronze input, read
    whole; the checks of each silver and gold table on the stored table itself. Then the
    Data Docs are built over them.
    """
    context = quiet(gx.get_context(mode="file", project_root_dir=project_folder(settings)))
    validated, not_built, results, suites = [], [], [], {}
    for table in registry.checked_tables():
        paths = [settings.table_path(name) for name in table.inputs]
        if all(DeltaTable.isDeltaTable(spark, path) for path in paths):
            inputs = [spark.read.format("delta").load(path) for path in paths]
            validate(context, suite(table), table.transform(*inputs))
            validated.append(table.name)
        else:
            context.suites.add_or_update(suite(table))
            not_built.append(table.name)
    for table in registry.validated_tables():
        stored = stored_suite(table, settings)
        if DeltaTable.isDeltaTable(spark, settings.table_path(table.name)):
            results += validate_stored(context, spark, settings, table, run_id)
            suites[stored.name] = (stored.meta["version"], table.table_checks)
            validated.append(stored.name)
        else:
            context.suites.add_or_update(stored)
            not_built.append(stored.name)
    runlog.record_results(spark, settings, results)
    runlog.record_suites(spark, settings, suites)
    sites = context.build_data_docs()
    index = Path(url2pathname(urlparse(sites["local_site"]).path))
    return Docs(index, tuple(validated), tuple(not_built), len(results))

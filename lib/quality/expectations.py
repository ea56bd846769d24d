"""The silver tables' rules as Great Expectations suites, validated on Spark and shown as Data Docs.

Nothing is declared twice: each ``Rule`` of a table becomes one GX
``UnexpectedRowsExpectation`` whose Spark SQL query selects exactly the rows the
row split names with that rule. The query is built from the rule's own ``holds``,
read the same way (``coalesce(holds, false)``, so NULL counts as broken), and a
rule that is not a precondition only counts rows whose preconditions held, as in
``rules.with_results``. GX's unexpected-row count per rule is therefore the
split's count per rule, on the same batch: the silver transformation's output.

A table with a key also gets table-level checks of its stored table, from that key
(unique, never NULL), whose results join the row rules' in ``ops.dq_results``.
``build_docs`` keeps a GX file project under ``<paths.report>/dq``: every suite,
validated on what is there now, and the Data Docs site built from them.
"""
from __future__ import annotations

from dataclasses import dataclass
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

from lakehouse.lib import catalog, registry, runlog
from lakehouse.lib.config import Settings
from lakehouse.lib.quality import project_folder
from lakehouse.lib.registry import Table
from lakehouse.lib.rules import Rule
from lakehouse.lib.writes import History

DATASOURCE = "lakehouse"
# Table-level checks only report: nothing is held back when a stored table breaks one.
TABLE_ACTION = "warn"
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
    return gx.ExpectationSuite(name=table.name, expectations=expectations)


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


def stored_key(table: Table) -> tuple[str, ...]:
    """The key of the stored table: a type-2 history holds one row per key and version."""
    return (*table.key, "valid_from") if table.key and isinstance(table.write, History) else table.key


def stored_suite(table: Table) -> gx.ExpectationSuite:
    """Table-level checks of the stored silver table, from its declared key: unique, and never NULL."""
    key = stored_key(table)
    unique = (gxe.ExpectColumnValuesToBeUnique(column=key[0], **_reported("key_is_unique")) if len(key) == 1
              else gxe.ExpectCompoundColumnsToBeUnique(column_list=list(key), **_reported("key_is_unique")))
    present = [gxe.ExpectColumnValuesToNotBeNull(column=column, **_reported(f"{column}_is_not_null"))
               for column in key]
    return gx.ExpectationSuite(name=f"{table.name}.stored", expectations=[unique, *present])


def _reported(name: str) -> dict[str, object]:
    """A table-level check only warns; its name is the rule name in ``ops.dq_results``."""
    return {"severity": FailureSeverity.WARNING, "meta": {"rule": name, "action": TABLE_ACTION}}


def table_results(run_id: str, table: Table, result: SuiteResult) -> list[tuple]:
    """``ops.dq_results`` rows of a stored suite's result: rows checked and rows breaking each check."""
    return [(run_id, table.name, r.expectation_config.meta["rule"], TABLE_ACTION,
             int(r.result["element_count"]), int(r.result["unexpected_count"]), runlog.now())
            for r in result.results]


@dataclass(frozen=True)
class Docs:
    index: Path
    validated: tuple[str, ...]  # suites validated: a table's rules on its input, its stored checks on it
    not_built: tuple[str, ...]  # suites whose table or input is not built yet: shown, not validated
    recorded: int  # stored checks' results appended to ops.dq_results


def build_docs(spark: SparkSession, settings: Settings, run_id: str) -> Docs:
    """Every silver suite validated on what is there now, the stored checks' results in ``ops.dq_results``.

    A table's rules are validated on its transformation of its bronze input, read whole;
    its stored checks on the silver table itself. Then the Data Docs are built over them.
    """
    context = quiet(gx.get_context(mode="file", project_root_dir=project_folder(settings)))
    validated, not_built, results = [], [], []
    for table in registry.checked_tables():
        paths = [settings.table_path(name) for name in table.inputs]
        if all(DeltaTable.isDeltaTable(spark, path) for path in paths):
            inputs = [spark.read.format("delta").load(path) for path in paths]
            validate(context, suite(table), table.transform(*inputs))
            validated.append(table.name)
        else:
            context.suites.add_or_update(suite(table))
            not_built.append(table.name)
        if not table.key:
            continue
        stored = stored_suite(table)
        if DeltaTable.isDeltaTable(spark, settings.table_path(table.name)):
            silver = spark.read.format("delta").load(settings.table_path(table.name))
            results += table_results(run_id, table, validate(context, stored, silver))
            validated.append(stored.name)
        else:
            context.suites.add_or_update(stored)
            not_built.append(stored.name)
    if results:
        path = catalog.ensure(spark, settings, runlog.DQ_RESULTS, runlog.DQ_SCHEMA)
        spark.createDataFrame(results, runlog.DQ_SCHEMA).write.format("delta").mode("append").save(path)
    sites = context.build_data_docs()
    index = Path(url2pathname(urlparse(sites["local_site"]).path))
    return Docs(index, tuple(validated), tuple(not_built), len(results))

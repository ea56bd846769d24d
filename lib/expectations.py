"""The silver tables' rules as Great Expectations suites, validated on Spark and shown as Data Docs.

Nothing is declared twice: each ``Rule`` of a table becomes one GX
``UnexpectedRowsExpectation`` whose Spark SQL query selects exactly the rows the
row split names with that rule. The query is built from the rule's own ``holds``,
read the same way (``coalesce(holds, false)``, so NULL counts as broken), and a
rule that is not a precondition only counts rows whose preconditions held, as in
``rules.with_results``. GX's unexpected-row count per rule is therefore the
split's count per rule, on the same batch: the silver transformation's output.

``build_docs`` keeps a GX file project under ``<paths.report>/dq``: one suite per
silver table, each validated on what its bronze input holds now, and the Data Docs
site built from them.
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

from lakehouse.lib import registry
from lakehouse.lib.config import ConfigError, Settings
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
    return gx.ExpectationSuite(name=table.name, expectations=expectations)


def checked_tables() -> list[Table]:
    """The silver tables that declare rules: the ones with a suite."""
    return [table for table in registry.select("silver") if table.rules]


def quiet(context: AbstractDataContext) -> AbstractDataContext:
    """No progress bars in command output or test logs."""
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate(context: AbstractDataContext, table: Table, output: DataFrame) -> SuiteResult:
    """``table``'s suite on ``output`` (its transformation's output), the result stored in ``context``."""
    source = context.data_sources.add_or_update_spark(name=DATASOURCE)
    asset = (next((a for a in source.assets if a.name == table.name), None)
             or source.add_dataframe_asset(table.name))
    batch = (next((b for b in asset.batch_definitions if b.name == BATCH), None)
             or asset.add_batch_definition_whole_dataframe(BATCH))
    checks = context.suites.add_or_update(suite(table))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=table.name, data=batch, suite=checks))
    output = output.persist()
    try:
        return definition.run(batch_parameters={"dataframe": output})
    finally:
        output.unpersist()


def unexpected_counts(result: SuiteResult) -> dict[str, int]:
    """Rule name -> rows GX found breaking it."""
    return {r.expectation_config.meta["rule"]: int(r.result["observed_value"]) for r in result.results}


@dataclass(frozen=True)
class Docs:
    index: Path
    validated: tuple[str, ...]
    not_built: tuple[str, ...]  # tables whose input is not built yet: suite shown, nothing validated


def project_folder(settings: Settings) -> Path:
    if "://" in settings.paths.report:
        raise ConfigError(f"paths.report: Data Docs are local files, not {settings.paths.report}")
    return Path(settings.paths.report) / "dq"


def build_docs(spark: SparkSession, settings: Settings) -> Docs:
    """Every silver suite, each validated on its bronze input as it is now, and the Data Docs over them."""
    context = quiet(gx.get_context(mode="file", project_root_dir=project_folder(settings)))
    validated, not_built = [], []
    for table in checked_tables():
        paths = [settings.table_path(name) for name in table.inputs]
        if not all(DeltaTable.isDeltaTable(spark, path) for path in paths):
            context.suites.add_or_update(suite(table))
            not_built.append(table.name)
            continue
        inputs = [spark.read.format("delta").load(path) for path in paths]
        validate(context, table, table.transform(*inputs))
        validated.append(table.name)
    sites = context.build_data_docs()
    return Docs(Path(url2pathname(urlparse(sites["local_site"]).path)), tuple(validated), tuple(not_built))

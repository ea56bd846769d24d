"""Tables' checks validated after their runs, off the run's path: one background thread, which loads Great
Expectations (seconds) the first time it is needed.

Batch: a table is validated as soon as its run is done, while the tables after it run; the
command waits for the last validation, records every result in ``ops.dq_results`` in one
commit and then stops (exit 1) if a ``fail`` check broke. Stream: a table is validated
after every ``quality.check_every_batches`` committed micro-batches, unless its previous
validation is still going (that turn is skipped, never queued, so validations never pile up
behind a fast stream); each validation's results are recorded as it ends, and a broken
``fail`` check stops that table's query at its next micro-batch.

Validation results also go to the GX project under ``<paths.report>/dq``, so the next
``lakehouse dq docs`` shows them; with a report folder on S3, to ``ops.dq_results`` alone.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from pyspark.sql import SparkSession

from lakehouse.lib import runlog
from lakehouse.lib.config import Settings
from lakehouse.lib.quality import project_folder
from lakehouse.lib.registry import Table
from lakehouse.lib.rules import RuleViolation
from lakehouse.lib.runlog import DqResult

POOL = "checks"  # the scheduler pool validations run in, beside the tables' own


class CheckFailed(RuleViolation):
    """A ``fail`` check of a stored table broke."""


@dataclass(frozen=True)
class Broken:
    table: str
    check: str
    action: str
    observed: str

    def __str__(self) -> str:
        return f"{self.table}: check {self.check} broke ({self.observed})"


@dataclass
class Validator:
    """The background validations of one command's tables."""

    spark: SparkSession
    settings: Settings
    run_id: str
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix=POOL))
    _after_runs: list[Future] = field(default_factory=list)
    _in_stream: dict[str, Future] = field(default_factory=dict)
    _failed: dict[str, Exception] = field(default_factory=dict)
    _context: object | None = None

    def submit(self, table: Table) -> Future | None:
        """Validate ``table`` now that its run is done (batch); ``finish`` records the results."""
        if not table.table_checks or not self.settings.quality.validate_tables:
            return None
        validation = self._pool.submit(self._validate, table)
        self._after_runs.append(validation)
        return validation

    def every(self, table: Table, batch_id: int) -> None:
        """In a stream, after a committed micro-batch: validate every ``check_every_batches``-th, unless the last
        validation of the table has not ended; its results are recorded as soon as it does."""
        quality = self.settings.quality
        if not table.table_checks or not quality.validate_tables or (batch_id + 1) % quality.check_every_batches:
            return
        running = self._in_stream.get(table.name)
        if running is None or running.done():
            self._in_stream[table.name] = self._pool.submit(self._validate_and_record, table)

    def raise_if_failed(self, table: Table) -> None:
        """Stop a stream's table whose last validation broke a ``fail`` check, or could not validate."""
        failed = self._failed.pop(table.name, None)
        if failed is not None:
            raise failed

    def finish(self) -> Validated:
        """Wait for every validation after a run and record their results in one commit."""
        results: list[DqResult] = []
        waiting, self._after_runs = self._after_runs, []
        try:
            for future in waiting:
                results += future.result()
        finally:
            runlog.record_results(self.spark, self.settings, results)
        return Validated(results)

    def _validate(self, table: Table) -> list[DqResult]:
        from lakehouse.lib.quality import expectations

        self.spark.sparkContext.setLocalProperty("spark.scheduler.pool", POOL)
        if self._context is None:
            import great_expectations as gx

            local = "://" not in self.settings.paths.report
            context = (gx.get_context(mode="file", project_root_dir=project_folder(self.settings)) if local
                       else gx.get_context(mode="ephemeral"))
            self._context = expectations.quiet(context)
        version = expectations.checks_version(table, self.settings)
        runlog.record_suites(self.spark, self.settings, {f"{table.name}.stored": (version, table.table_checks)})
        return expectations.validate_stored(self._context, self.spark, self.settings, table, self.run_id)

    def _validate_and_record(self, table: Table) -> None:
        try:
            rows = self._validate(table)
            runlog.record_results(self.spark, self.settings, rows)
        except Exception as error:  # nobody waits on a stream's validation: its table's next micro-batch says it
            self._failed[table.name] = error
            return
        failed = Validated(rows).failed()
        if failed is not None:
            self._failed[table.name] = failed


@dataclass(frozen=True)
class Validated:
    """The checks validated after a batch run, as their ``ops.dq_results`` rows."""

    results: list[DqResult]

    def of(self, table: str) -> tuple[int, int]:
        """Checks of ``table`` that held, and checks validated."""
        passed = [bool(result.passed) for result in self.results if result.table == table]
        return sum(passed), len(passed)

    @property
    def broken(self) -> list[Broken]:
        return broken_checks(self.results)

    def failed(self) -> CheckFailed | None:
        """What stops the command when a ``fail`` check broke."""
        failing = [str(b) for b in self.broken if b.action == "fail"]
        return CheckFailed("; ".join(failing)) if failing else None


def broken_checks(results: list[DqResult]) -> list[Broken]:
    """The checks that did not hold."""
    return [Broken(r.table, r.rule, r.action, r.observed or "") for r in results if not r.passed]

"""Data-quality rules as data, evaluated together in one projection.

A rule is a name that says what must hold, a SQL boolean expression over a
table's output, and an action. Every rule is evaluated as
``coalesce(holds, false)``, so a NULL never slips through both sides of a split,
and the names of the rules a row failed travel with it into quarantine. A rule
marked ``precondition`` (``record_is_parseable``) is the root cause when it
fails: the rules that only fail because of it are not reported beside it, so
counts by rule count causes, not echoes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

Action = Literal["warn", "quarantine", "fail"]

# The landing contract's customer ids; silver's rules and erasure's search both use it.
CUSTOMER_ID = "C[0-9]+"

FAILED_RULES = "_failed_rules"
# Stored with the row: the ``warn`` rules a kept row broke, so an analyst can find it.
WARNED_RULES = "_warnings"


@dataclass(frozen=True)
class Rule:
    """``Rule("rating_between_1_and_5", "rating BETWEEN 1 AND 5")``: a row keeps the rule when it holds."""

    name: str
    holds: str
    action: Action = "quarantine"
    precondition: bool = False

    def __post_init__(self) -> None:
        if self.precondition and self.action == "warn":
            raise ValueError(f"rule {self.name}: a precondition holds rows back, it cannot only warn")

    def failed(self) -> Column:
        """True where the row breaks the rule, NULL counted as broken."""
        return ~F.coalesce(F.expr(self.holds), F.lit(False))


class RuleViolation(Exception):
    """A ``fail`` rule was broken: the batch stops before anything is written."""


def _q(column: str) -> str:
    return ".".join(f"`{part}`" for part in column.split("."))


def _sql(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return str(value)


def is_typed(column: str, type_name: str) -> Rule:
    """The text that arrived for the column parsed as its type (absent text is another rule's business)."""
    return Rule(f"{column}_is_{type_name}", f"`_text`.{_q(column)} IS NULL OR {_q(column)} IS NOT NULL")


def is_in(column: str, allowed: Iterable[str], action: Action = "quarantine") -> Rule:
    values = ", ".join(_sql(value) for value in allowed)
    return Rule(f"{column}_is_known", f"{_q(column)} IS NULL OR {_q(column)} IN ({values})", action)


def between(column: str, low: float, high: float, action: Action = "quarantine") -> Rule:
    return Rule(f"{column}_between_{low}_and_{high}", f"{_q(column)} IS NULL OR {_q(column)} BETWEEN {low} AND {high}", action)


def at_least(column: str, low: float, action: Action = "quarantine") -> Rule:
    name = f"{column}_not_negative" if low == 0 else f"{column}_at_least_{low}"
    return Rule(name, f"{_q(column)} IS NULL OR {_q(column)} >= {low}", action)


def matches(column: str, pattern: str, what: str, action: Action = "quarantine") -> Rule:
    """``matches("customer_id", "^C[0-9]+$", "customer_id")`` -> rule ``customer_id_is_well_formed``."""
    return Rule(f"{what}_is_well_formed", f"{_q(column)} IS NULL OR {_q(column)} RLIKE {_sql(pattern)}", action)


def customer_id_is_well_formed() -> Rule:
    """``customer_id`` absent or shaped as the landing contract's ids (``C`` and digits)."""
    return matches("customer_id", f"^{CUSTOMER_ID}$", "customer_id")


def record_is_parseable() -> Rule:
    """The record parsed; when it did not, its field rules fail for that reason alone and are not reported."""
    return Rule("record_is_parseable", "`_parse_error` IS NULL", precondition=True)


def _failed_names(rules: Sequence[Rule]) -> Column:
    chosen = [F.when(rule.failed(), F.lit(rule.name)) for rule in rules]
    return F.array_compact(F.array(*chosen)) if chosen else F.array().cast("array<string>")


def with_results(df: DataFrame, rules: Sequence[Rule]) -> DataFrame:
    """Add the names of the failed ``quarantine``/``fail`` rules and of the failed ``warn`` rules.

    One projection for all rules, so checking costs one pass whatever their number. Where a
    precondition failed, only the failed preconditions are named.
    """
    preconditions = _failed_names([rule for rule in rules if rule.precondition])
    holding = _failed_names([rule for rule in rules if rule.action != "warn" and not rule.precondition])
    warned = _failed_names([rule for rule in rules if rule.action == "warn"])
    root_cause = F.size(preconditions) > 0
    return df.withColumns({
        FAILED_RULES: F.when(root_cause, preconditions).otherwise(holding),
        WARNED_RULES: F.when(root_cause, F.array().cast("array<string>")).otherwise(warned),
    })


def is_quarantined() -> Column:
    return F.size(F.col(FAILED_RULES)) > 0

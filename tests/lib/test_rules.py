"""Rules: evaluated once, NULL counts as failed, and valid plus quarantined is the whole input."""
from __future__ import annotations


import pytest

from pyspark.sql import SparkSession

from lakehouse.lib.rules import (FAILED_RULES, WARNED_RULES, Rule, between, is_quarantined, record_is_parseable,
                                 with_results)

RATING = between("rating", 1, 5)
PRESENT = Rule("rating_is_present", "rating IS NOT NULL")
LANGUAGE = Rule("language_is_two_letters", "length(language) = 2", action="warn")


def test_each_rule_has_a_passing_a_failing_and_a_null_row(spark: SparkSession) -> None:
    rows = spark.createDataFrame([(1, 3, "en"), (2, 7, "en"), (3, None, None)], "id int, rating int, language string")
    checked = with_results(rows, [RATING, PRESENT, LANGUAGE])
    result = {r["id"]: (r[FAILED_RULES], r[WARNED_RULES]) for r in checked.collect()}
    assert result == {
        1: ([], []),
        2: (["rating_between_1_and_5"], []),
        3: (["rating_is_present"], ["language_is_two_letters"]),
    }


def test_a_null_in_the_rule_expression_is_a_failure_not_a_vanished_row(spark: SparkSession) -> None:
    rows = spark.createDataFrame([(1, 2), (2, None), (3, -1)], "id int, amount int")
    positive = Rule("amount_is_positive", "amount > 0")
    checked = with_results(rows, [positive])
    valid = {r.id for r in checked.where(~is_quarantined()).collect()}
    quarantined = {r.id for r in checked.where(is_quarantined()).collect()}
    assert valid == {1}
    assert quarantined == {2, 3}
    assert valid | quarantined == {1, 2, 3} and not valid & quarantined


def test_rule_names_say_what_must_hold() -> None:
    assert RATING.name == "rating_between_1_and_5"
    assert RATING.action == "quarantine"


def test_a_failed_precondition_is_reported_alone(spark: SparkSession) -> None:
    """An unparseable record fails record_is_parseable, not every field rule that found nothing."""
    rows = spark.createDataFrame([(1, None, None, None), (2, "not a JSON object", None, None), (3, None, 9, "e")],
                                 "id int, _parse_error string, rating int, language string")
    checked = with_results(rows, [record_is_parseable(), RATING, PRESENT, LANGUAGE])
    result = {r["id"]: (r[FAILED_RULES], r[WARNED_RULES]) for r in checked.collect()}
    assert result == {
        1: (["rating_is_present"], ["language_is_two_letters"]),
        2: (["record_is_parseable"], []),
        3: (["rating_between_1_and_5"], ["language_is_two_letters"]),
    }


def test_a_precondition_cannot_merely_warn() -> None:
    with pytest.raises(ValueError, match="cannot only warn"):
        Rule("looks_parsed", "true", action="warn", precondition=True)

"""search_terms_daily: searches, empty results and clicks per day and normalised query, by hand."""
from __future__ import annotations

from typing import Callable

from chispa import assert_df_equality
from pyspark.sql import DataFrame

from lakehouse.gold.search_terms_daily import search_terms_daily

Build = Callable[..., DataFrame]
EXPECTED = "date date, query string, searches bigint, zero_result_searches bigint, clicks bigint"


def test_search_terms_daily(silver: Build, rows: Build) -> None:
    search = silver(
        "search",
        {"search_id": "s1", "query": "Red Shoes", "query_normalised": "red shoes", "results_count": 10,
         "clicked_product_id": "P1", "clicked_position": 2, "search_date": "2024-03-01"},
        {"search_id": "s2", "query": " red   shoes ", "query_normalised": "red shoes", "results_count": 0,
         "search_date": "2024-03-01"},
        # a zero-result search of its own
        {"search_id": "s3", "query": "zzz", "query_normalised": "zzz", "results_count": 0,
         "search_date": "2024-03-01"},
        {"search_id": "s4", "query": None, "query_normalised": None, "results_count": None,
         "search_date": "2024-03-01"},
        {"search_id": "s5", "query": "red shoes", "query_normalised": "red shoes", "results_count": 5,
         "search_date": "2024-03-02"},
    )

    expected = rows(
        EXPECTED,
        {"date": "2024-03-01", "query": "red shoes", "searches": 2, "zero_result_searches": 1, "clicks": 1},
        {"date": "2024-03-01", "query": "zzz", "searches": 1, "zero_result_searches": 1, "clicks": 0},
        {"date": "2024-03-01", "query": None, "searches": 1, "zero_result_searches": 0, "clicks": 0},
        {"date": "2024-03-02", "query": "red shoes", "searches": 1, "zero_result_searches": 0, "clicks": 0},
    )
    assert_df_equality(search_terms_daily(search), expected, ignore_row_order=True, ignore_nullable=True)

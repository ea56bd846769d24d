"""server_health_minute: requests, 5xx errors, p95 and bytes per minute, by hand."""
from __future__ import annotations

from typing import Callable

from chispa import assert_approx_df_equality
from pyspark.sql import DataFrame

from lakehouse.gold.server_health_minute import server_health_minute

Build = Callable[..., DataFrame]
EXPECTED = ("minute timestamp, requests bigint, errors_5xx bigint, error_rate double, p95_response_ms double, "
            "bytes_sent bigint")


def request(at: str, status: int, response_ms: float | None, bytes_sent: int | None) -> dict[str, object]:
    return {"ts": at, "minute": at[:16] + ":00", "status": status, "response_ms": response_ms,
            "bytes_sent": bytes_sent}


def test_server_health_minute(silver: Build, rows: Build) -> None:
    server_logs = silver(
        "server_logs",
        request("2024-03-01 12:00:01", 200, 10.0, 100),
        request("2024-03-01 12:00:15", 200, 20.0, 200),
        request("2024-03-01 12:00:30", 503, 30.0, 0),
        request("2024-03-01 12:00:45", 404, 40.0, 50),
        request("2024-03-01 12:00:59", 500, None, None),
        request("2024-03-01 12:01:05", 200, None, 10),
    )

    expected = rows(
        EXPECTED,
        # 503 and 500 (not 404): 2 of 5. p95 of 10, 20, 30, 40 (the NULL ignored):
        # rank 0.95 x (4 - 1) = 2.85, so 30 + 0.85 x (40 - 30) = 38.5. Bytes 100 + 200 + 0 + 50.
        {"minute": "2024-03-01 12:00:00", "requests": 5, "errors_5xx": 2, "error_rate": 0.4,
         "p95_response_ms": 38.5, "bytes_sent": 350},
        # no response time logged at all: p95 is NULL, not 0
        {"minute": "2024-03-01 12:01:00", "requests": 1, "errors_5xx": 0, "error_rate": 0.0,
         "p95_response_ms": None, "bytes_sent": 10},
    )
    assert_approx_df_equality(server_health_minute(server_logs), expected, 1e-9, ignore_row_order=True,
                              ignore_nullable=True)

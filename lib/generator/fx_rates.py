"""Daily exchange rates: the USD value of one unit of each currency.

A rate depends only on the seed, the currency and the date, never on the run's
start, so two runs that cover the same date agree on its rate.
"""
from __future__ import annotations

import datetime
import math
import random

FX_COLUMNS = ("date", "currency", "usd_per_unit")
USD_PER_UNIT = {"EUR": 1.08, "GBP": 1.27, "JPY": 0.0067, "CAD": 0.73, "AUD": 0.66, "CHF": 1.13, "SEK": 0.095,
                "PLN": 0.25}


def usd_per_unit(seed: int, currency: str, day: datetime.date) -> float:
    """A slow wave plus a little daily noise around the currency's usual level."""
    if currency == "USD":
        return 1.0
    phase = random.Random(f"{seed}/fx/{currency}").random() * 2 * math.pi
    noise = random.Random(f"{seed}/fx/{currency}/{day.isoformat()}").gauss(0.0, 0.003)
    wave = 0.025 * math.sin(day.toordinal() / 45 + phase)
    return float(f"{USD_PER_UNIT[currency] * (1 + wave + noise):.6g}")


def rate_rows(seed: int, day: datetime.date, with_usd: bool) -> list[list[str]]:
    """One row per currency for a date; USD itself is usually left out, as it is 1."""
    currencies = (["USD"] if with_usd else []) + list(USD_PER_UNIT)
    return [[day.isoformat(), currency, f"{usd_per_unit(seed, currency, day):.6g}"] for currency in currencies]

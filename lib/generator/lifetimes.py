"""Each customer's life with the shop, when the generator writes the shop's history before the window.

With ``history_days`` the shop opened that many days before the window: customers sign up
from the opening on, most of them in its first weeks; each buys at a rhythm of their own,
from every other day to every few weeks; half of them leave at some moment, from their
signup to two months after the window, buying less and less over the four weeks before.

Churn is then learnable, and not only from recency: twelve days without an order is
nothing for a customer who buys every three weeks and a warning for one who buys every
other day. The signal lies in recency against the customer's own rhythm (frequency over
tenure), which a neural network finds and a linear baseline does not.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

from lakehouse.lib.generator.clock import DAY_MS
from lakehouse.lib.generator.run import Run

ORDERS_PER_DAY = (1 / 20, 1 / 2)  # a customer's rhythm, drawn log-uniformly between these
SIGNUP_MEAN_DAYS = 30  # sign-ups after the opening: exponential, most in the first weeks
LEAVING_SHARE = 0.5
LEAVING_UNTIL_DAYS = 60  # the last moment to leave: this long after the window
FADE_DAYS = 28  # a leaving customer's rhythm falls to nothing over these days


@dataclass(frozen=True)
class Lifetime:
    signup_ms: int
    orders_per_day: float
    leaves_ms: int | None  # None: stays

    def has_left(self, at_ms: int) -> bool:
        return self.leaves_ms is not None and at_ms >= self.leaves_ms

    def order_times(self, rng: random.Random, until_ms: int) -> list[int]:
        """When this customer orders from signup to ``until_ms``: a Poisson process at their rhythm,
        thinned to nothing over the ``FADE_DAYS`` before they leave."""
        end = until_ms if self.leaves_ms is None else min(until_ms, self.leaves_ms)
        times, at = [], float(self.signup_ms)
        while True:
            at += rng.expovariate(self.orders_per_day) * DAY_MS
            if at >= end:
                return times
            if rng.random() < self._keen(at):
                times.append(int(at))

    def _keen(self, at_ms: float) -> float:
        """The share of the usual rhythm left at ``at_ms``: 1, falling to 0 over the fade before leaving."""
        if self.leaves_ms is None:
            return 1.0
        return min(1.0, (self.leaves_ms - at_ms) / (FADE_DAYS * DAY_MS))


def draw_lifetimes(run: Run, count: int) -> list[Lifetime]:
    """One lifetime per customer of a shop that opened ``run.history_days`` before the window."""
    rng = run.rng("lifetimes")
    opened = run.start_ms - run.history_days * DAY_MS
    low, high = (math.log(rate) for rate in ORDERS_PER_DAY)
    lifetimes = []
    for _ in range(count):
        signup = opened + min(int(rng.expovariate(1 / SIGNUP_MEAN_DAYS) * DAY_MS), run.start_ms - opened - 1)
        rhythm = math.exp(rng.uniform(low, high))
        leaves = None
        if rng.random() < LEAVING_SHARE:
            leaves = signup + int(rng.random() * (run.end_ms + LEAVING_UNTIL_DAYS * DAY_MS - signup))
        lifetimes.append(Lifetime(signup, rhythm, leaves))
    return lifetimes

"""What the bench prints while it runs: one line per pair, so a slow run shows where it is."""
from __future__ import annotations

from typing import Callable

from rich.console import Console


def pair_printer(console: Console, title: str, pairs: int) -> Callable[[int, float, float], None]:
    def print_pair(pair: int, baseline: float, candidate: float) -> None:
        which = "warm-up, not counted" if pair == 0 else f"pair {pair}/{pairs}"
        console.log(f"{title}, {which}: baseline {baseline:.1f} s, candidate {candidate:.1f} s, "
                    f"ratio {candidate / baseline:.2f}x")

    return print_pair

"""One generation run: its seed, its window of days, and the names its files carry.

Everything random is drawn from ``random.Random`` instances seeded here, one per
purpose, so the same arguments give the same bytes and adding a draw in one
source does not shift every other source.
"""
from __future__ import annotations

import datetime
import functools
import hashlib
import random
from dataclasses import dataclass

from lakehouse.lib.generator.clock import DAY_MS, epoch_ms

LSN_EPOCH = datetime.date(2000, 1, 1)
LSN_PER_DAY = 1_000_000


@dataclass(frozen=True)
class Run:
    seed: int
    start: datetime.date
    days: int
    history_days: int = 0  # days the shop was open before the window (lifetimes.py); 0: an older shop

    @property
    def tag(self) -> str:
        """File name tag: another seed or start date lands new files beside the old ones."""
        return f"s{self.seed}-{self.start:%Y%m%d}"

    @property
    def start_ms(self) -> int:
        return epoch_ms(self.start)

    @property
    def end_ms(self) -> int:
        """First millisecond after the window."""
        return self.start_ms + self.days * DAY_MS

    def date(self, day_index: int) -> datetime.date:
        return self.start + datetime.timedelta(days=day_index)

    def day_index(self, ms: int) -> int:
        return (ms - self.start_ms) // DAY_MS

    def rng(self, purpose: str) -> random.Random:
        """Randomness for what happens during this window."""
        return random.Random(f"{self.seed}/{self.start.isoformat()}/{purpose}")

    def world_rng(self, purpose: str) -> random.Random:
        """Randomness for what the shop is (customers, products), the same for every start date."""
        return random.Random(f"{self.seed}/{purpose}")

    @functools.cached_property
    def _order_prefix(self) -> int:
        return int(hashlib.sha256(self.tag.encode()).hexdigest()[:8], 16) % 9000 + 1000

    def order_id(self, number: int) -> str:
        """Order ids carry a prefix from the tag, so two runs do not reuse a key for different orders."""
        return f"O{self._order_prefix}{number:06d}"

    @property
    def lsn_base(self) -> int:
        """Log positions grow with the start date, as a database's write-ahead log does."""
        return (self.start - LSN_EPOCH).days * LSN_PER_DAY

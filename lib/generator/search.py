"""Site searches: what visitors type, how many products match, and what they click.

Queries come from the catalog's own words, typed the way people type (mixed
case, doubled spaces); about 8% find nothing (typos, things the shop does not sell).
"""
from __future__ import annotations

import random
import urllib.parse
import uuid
from dataclasses import dataclass

from lakehouse.lib.generator.catalog import Catalog, Product
from lakehouse.lib.generator.clock import iso_ms

ZERO_RESULT_SHARE = 0.08
CLICK_SHARE = 0.55
NOTHING_FOUND = ("hedphones", "snekers", "expresso machine", "gift card", "ps6 console", "bluetooth toaster",
                 "lawn mower", "iphone 17 case", "wedding dress", "sofa", "kayak", "airfryer basket xxl")


@dataclass(frozen=True)
class SearchOutcome:
    query: str
    results_count: int
    clicked: Product | None
    position: int | None

    @property
    def url(self) -> str:
        return "https://shop.example.com/search?q=" + urllib.parse.quote_plus(" ".join(self.query.split()))


class Searcher:
    """The search box: a vocabulary of queries, each with the products it finds, best sellers first."""

    def __init__(self, catalog: Catalog) -> None:
        vocabulary: dict[str, list[Product]] = {}
        for product in catalog.products:
            for term in _terms(product):
                vocabulary.setdefault(term, []).append(product)
        self._queries = [(term, sorted(found, key=lambda p: -p.popularity)) for term, found in vocabulary.items()]

    def search(self, rng: random.Random) -> SearchOutcome:
        if rng.random() < ZERO_RESULT_SHARE:
            return SearchOutcome(_as_typed(rng, rng.choice(NOTHING_FOUND)), 0, None, None)
        term, found = self._queries[rng.randrange(len(self._queries))]
        if rng.random() >= CLICK_SHARE:
            return SearchOutcome(_as_typed(rng, term), len(found), None, None)
        position = min(len(found), 1 + int(rng.expovariate(0.6)))
        return SearchOutcome(_as_typed(rng, term), len(found), found[position - 1], position)


def search_record(rng: random.Random, ms: int, session_id: str, customer_id: str | None,
                  outcome: SearchOutcome) -> dict[str, object]:
    return {
        "search_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "search_ts": iso_ms(ms),
        "session_id": session_id,
        "customer_id": customer_id,
        "query": outcome.query,
        "results_count": outcome.results_count,
        "clicked_product_id": outcome.clicked.product_id if outcome.clicked else None,
        "clicked_position": outcome.position,
    }


def _terms(product: Product) -> list[str]:
    return [product.subcategory.lower(), product.brand.lower(), product.kind,
            f"{product.brand} {product.subcategory}".lower()]


def _as_typed(rng: random.Random, term: str) -> str:
    roll = rng.random()
    if roll < 0.12:
        term = term.title()
    elif roll < 0.16:
        term = term.upper()
    if " " in term and rng.random() < 0.1:
        term = term.replace(" ", "  ", 1)
    if rng.random() < 0.04:
        term = f" {term} "
    return term

"""Website visits: sessions of events walking the funnel, and the searches and orders they produce.

page_view -> product_view -> add_to_cart -> checkout_start -> purchase, with
falling rates, so about 3% of sessions buy. About 30% of visitors are
anonymous; an anonymous buyer signs in at checkout, as shops require.
"""
from __future__ import annotations

import bisect
import random
import uuid
from dataclasses import dataclass, field
from itertools import accumulate
from operator import itemgetter

from lakehouse.lib.generator.catalog import Catalog
from lakehouse.lib.generator.clock import DAY_MS, iso_ms, iso_offset, time_of_day_ms, traffic_weight
from lakehouse.lib.generator.people import Crm
from lakehouse.lib.generator.run import Run
from lakehouse.lib.generator.search import Searcher, SearchOutcome, search_record

SHOP = "https://shop.example.com"
ANONYMOUS_SHARE = 0.30
BOUNCE_SHARE = 0.25
ADD_TO_CART_SHARE = 0.045
REMOVE_SHARE = 0.08
CHECKOUT_SHARE = 0.45
PURCHASE_SHARE = 0.7
MAX_BROWSING_EVENTS = 17
DEVICES = ("mobile", "desktop", "tablet", "other")
DEVICE_CUMULATIVE = tuple(accumulate((55, 35, 8, 2)))
USER_AGENTS = {
    "mobile": ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
               "Version/18.1 Mobile/15E148 Safari/604.1",
               "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/131.0.0.0 Mobile Safari/537.36",
               "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
               "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"),
    "desktop": ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36",
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                "Version/18.1 Safari/605.1.15",
                "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"),
    "tablet": ("Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
               "Version/18.1 Mobile/15E148 Safari/604.1",
               "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/131.0.0.0 Safari/537.36"),
    "other": ("Mozilla/5.0 (SMART-TV; Linux; Tizen 8.0) AppleWebKit/537.36 (KHTML, like Gecko) "
              "SamsungBrowser/7.0 Chrome/118.0.0.0 TV Safari/537.36",
              "Mozilla/5.0 (PlayStation; PlayStation 5/8.40) AppleWebKit/605.1.15 (KHTML, like Gecko)"),
}
REFERRERS = (None, None, "https://www.google.com/", "https://www.google.com/", "https://www.google.de/",
             "https://www.bing.com/", "https://duckduckgo.com/", "https://www.facebook.com/",
             "https://www.instagram.com/", "https://newsletter.shop.example.com/")
IP_PREFIXES = ("192.0.2", "198.51.100", "203.0.113")
QUANTITY_WEIGHTS = tuple(accumulate((70, 18, 7, 3, 2)))


@dataclass(frozen=True)
class Purchase:
    """A finished checkout, handed to the order system."""
    order_id: str
    customer_id: str
    ms: int
    lines: tuple[tuple[str, int], ...]


@dataclass
class Browsing:
    events: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    searches: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    purchases: list[Purchase] = field(default_factory=list)


@dataclass
class _Hit:
    event_type: str
    url: str
    product_id: str | None = None
    search: SearchOutcome | None = None


def browse(run: Run, catalog: Catalog, crm: Crm, searcher: Searcher, events: int, first_order: int) -> Browsing:
    """Sessions until ``events`` clickstream events exist (the last session is cut to fit), in time order."""
    rng = run.rng("clickstream")
    day_weights = list(accumulate(traffic_weight(run.date(day)) for day in range(run.days)))
    browsing = Browsing()
    checkouts: list[tuple[int, dict[str, object], tuple[tuple[str, int], ...]]] = []
    while len(browsing.events) < events:
        hits, cart = _journey(rng, catalog, searcher)
        hits = hits[:events - len(browsing.events)]
        day = bisect.bisect(day_weights, rng.random() * day_weights[-1])
        start = run.start_ms + day * DAY_MS + time_of_day_ms(rng)
        offsets = list(accumulate(_gap_ms(rng) if i else 0 for i in range(len(hits))))
        start = min(start, run.end_ms - 1 - offsets[-1])
        _record_session(rng, crm, browsing, hits, [start + offset for offset in offsets])
        if hits[-1].event_type == "purchase":
            checkouts.append((start + offsets[-1], browsing.events[-1][1], tuple(cart.items())))
    checkouts.sort(key=itemgetter(0))
    for number, (ms, event, lines) in enumerate(checkouts, start=first_order):
        event["order_id"] = run.order_id(number)  # order numbers grow with time, as a database sequence does
        event["page_url"] = f"{event['page_url']}?order={event['order_id']}"
        browsing.purchases.append(Purchase(str(event["order_id"]), str(event["customer_id"]), ms, lines))
    browsing.events.sort(key=itemgetter(0))
    browsing.searches.sort(key=itemgetter(0))
    return browsing


def _journey(rng: random.Random, catalog: Catalog, searcher: Searcher) -> tuple[list[_Hit], dict[str, int]]:
    """The pages one visitor walks through, and what is in the cart at the end."""
    landing = rng.choice((f"{SHOP}/", f"{SHOP}/", f"{SHOP}/c/{_slug(rng.choice(catalog.categories))}",
                          f"{SHOP}/?utm_source=newsletter&utm_medium=email"))
    hits = [_Hit("page_view", landing)]
    cart: dict[str, int] = {}
    if rng.random() < BOUNCE_SHARE:
        return hits, cart
    interest = rng.choice(catalog.categories)
    for _ in range(1 + int(rng.expovariate(1 / 3.8))):
        if len(hits) >= MAX_BROWSING_EVENTS:
            break
        roll, product = rng.random(), None
        if roll < 0.15:
            outcome = searcher.search(rng)
            hits.append(_Hit("page_view", outcome.url, search=outcome))
            if outcome.clicked is None:
                continue
            product = outcome.clicked
        elif roll < 0.35:
            hits.append(_Hit("page_view", f"{SHOP}/c/{_slug(interest)}"))
        product = product or catalog.pick(rng, interest if rng.random() < 0.7 else None)
        hits.append(_Hit("product_view", product.url, product.product_id))
        if rng.random() < ADD_TO_CART_SHARE * (3 if cart else 1):
            cart[product.product_id] = bisect.bisect(QUANTITY_WEIGHTS, rng.random() * QUANTITY_WEIGHTS[-1]) + 1
            hits.append(_Hit("add_to_cart", product.url, product.product_id))
        if cart and rng.random() < REMOVE_SHARE:
            removed = rng.choice(list(cart))
            del cart[removed]
            hits.append(_Hit("remove_from_cart", f"{SHOP}/cart", removed))
    if cart and rng.random() < CHECKOUT_SHARE:
        hits += [_Hit("page_view", f"{SHOP}/cart"), _Hit("checkout_start", f"{SHOP}/checkout")]
        if rng.random() < PURCHASE_SHARE:
            hits.append(_Hit("purchase", f"{SHOP}/checkout/confirmation"))
    return hits, cart


def _record_session(rng: random.Random, crm: Crm, browsing: Browsing, hits: list[_Hit], times: list[int]) -> None:
    """Turn hits into events and searches; an anonymous visitor signs in at checkout."""
    session_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    customer = None if rng.random() < ANONYMOUS_SHARE else crm.pick(rng, times[0])
    customer_id = customer.customer_id if customer else None
    device = DEVICES[bisect.bisect(DEVICE_CUMULATIVE, rng.random() * DEVICE_CUMULATIVE[-1])]
    agent = rng.choice(USER_AGENTS[device])
    ip = f"{rng.choice(IP_PREFIXES)}.{rng.randint(1, 254)}"
    referrer = rng.choice(REFERRERS)
    offset_hours = 1 if rng.random() < 0.08 else 0
    for hit, ms in zip(hits, times):
        if hit.event_type == "checkout_start" and customer_id is None:
            customer_id = crm.pick_signed_up(rng, ms).customer_id
        ts = iso_offset(ms, offset_hours, with_ms=rng.random() < 0.7) if offset_hours else iso_ms(ms)
        browsing.events.append((ms, {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "event_ts": ts, "event_type": hit.event_type, "session_id": session_id,
            "customer_id": customer_id, "product_id": hit.product_id,
            "order_id": None, "page_url": hit.url,
            "referrer": referrer, "device": device, "user_agent": agent, "ip": ip,
        }))
        if hit.search is not None:
            searched = ms - rng.randint(40, 400)
            browsing.searches.append((searched, search_record(rng, searched, session_id, customer_id, hit.search)))
        referrer = hit.url


def _gap_ms(rng: random.Random) -> int:
    return min(int(rng.lognormvariate(3.0, 0.9) * 1000), 900_000) + rng.randint(300, 2000)


def _slug(name: str) -> str:
    return "-".join(name.lower().replace("&", " ").replace("'", "").split())


"""Customer reviews: mostly happy, some not, mostly in English.

Reviews of orders delivered inside the window name their order; the rest are
about earlier purchases and carry no order id. Each product's rating bias
makes some products consistently better rated than others.
"""
from __future__ import annotations

import bisect
import random
from itertools import accumulate

from lakehouse.lib.generator.catalog import Catalog, Product
from lakehouse.lib.generator.clock import DAY_MS, HOUR_MS, iso_ms, iso_offset, time_of_day_ms
from lakehouse.lib.generator.orders import OrderFacts
from lakehouse.lib.generator.people import Crm
from lakehouse.lib.generator.run import Run

RATING_CUMULATIVE = tuple(accumulate((8, 7, 12, 28, 45)))
LANGUAGES = ("en",) * 34 + ("de", "de", "fr", "es", "nl", "pl", "it")
# language -> sentiment -> (titles, bodies); {item} is the product's kind
TEXTS: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "en": {
        "good": (("Love it!", "Exactly as described", "Great value", "Would buy again"),
                 ("The {item} arrived quickly and works perfectly.",
                  "Really happy with this {item}. Great quality.",
                  "Bought the {item} as a gift, they loved it. Fast delivery too!")),
        "fair": (("It's okay", "Decent, not amazing", "Mixed feelings"),
                 ("The {item} does the job, but feels a bit cheap.", "Fine for the price; sizing runs small.")),
        "bad": (("Disappointed", "Broke after a week", "Not as pictured"),
                ("The {item} stopped working after a few days. Returning it.",
                 "Poor quality and the colour is nothing like the photos.")),
    },
    "de": {"good": (("Sehr gut!", "Top Qualität"), ("Schnelle Lieferung, der Artikel ist größer als gedacht.",)),
           "fair": (("Geht so",), ("Für den Preis in Ordnung.",)),
           "bad": (("Enttäuscht",), ("Leider nach zwei Wochen kaputt. Schade.",))},
    "fr": {"good": (("Très bien",), ("Produit conforme, livraison rapide. Je recommande !",)),
           "fair": (("Correct",), ("Qualité moyenne, mais ça fait l'affaire.",)),
           "bad": (("Déçu",), ("Ne fonctionne plus après une semaine. Très déçu.",))},
    "es": {"good": (("¡Me encanta!",), ("Llegó rápido y la calidad es excelente.",)),
           "fair": (("Está bien",), ("Cumple, aunque el tamaño es pequeño.",)),
           "bad": (("Mala calidad",), ("Se rompió a los pocos días. No lo recomiendo.",))},
    "nl": {"good": (("Top!",), ("Snel geleverd en precies wat ik zocht.",)),
           "fair": (("Prima",), ("Doet wat het moet doen.",)),
           "bad": (("Niet goed",), ("Viel tegen, kwaliteit is slecht.",))},
    "pl": {"good": (("Świetny produkt",), ("Szybka dostawa, jakość bardzo dobra. Polecam!",)),
           "fair": (("W porządku",), ("Może być, ale za tę cenę spodziewałem się więcej.",)),
           "bad": (("Słaba jakość",), ("Zepsuł się po tygodniu. Nie polecam.",))},
    "it": {"good": (("Ottimo",), ("Arrivato in fretta, qualità eccellente.",)),
           "fair": (("Discreto",), ("Va bene, niente di speciale.",)),
           "bad": (("Deludente",), ("Si è rotto dopo pochi giorni.",))},
}


def reviews(run: Run, catalog: Catalog, crm: Crm, orders: list[OrderFacts], count: int
            ) -> list[tuple[int, dict[str, object]]]:
    """About ``count`` reviews: first of orders delivered in the window, then of earlier purchases."""
    rng = run.rng("reviews")
    written = []
    for order in orders:
        delivered = order.milestones.get("delivered")
        for product_id, _ in order.lines:
            if delivered is None or rng.random() > 0.35:
                continue
            ms = delivered + rng.randint(HOUR_MS, 3 * DAY_MS)
            if ms < run.end_ms and ms >= run.start_ms:
                written.append(_review(rng, ms, catalog.product(product_id), order.customer_id, order.order_id))
    while len(written) < count:
        ms = run.start_ms + rng.randrange(run.days) * DAY_MS + time_of_day_ms(rng)
        customer = crm.pick_signed_up(rng, ms)
        written.append(_review(rng, ms, catalog.pick(rng), customer.customer_id, None))
    written.sort(key=lambda item: item[0])
    return written


def _review(rng: random.Random, ms: int, product: Product, customer_id: str, order_id: str | None
            ) -> tuple[int, dict[str, object]]:
    nudge = round(product.rating_bias + rng.gauss(0, 0.3))
    rating = max(1, min(5, bisect.bisect(RATING_CUMULATIVE, rng.random() * RATING_CUMULATIVE[-1]) + 1 + nudge))
    language = rng.choice(LANGUAGES)
    sentiment = "good" if rating >= 4 else "fair" if rating == 3 else "bad"
    titles, bodies = TEXTS[language][sentiment]
    return ms, {
        "review_id": f"R{rng.getrandbits(40):012x}",
        "product_id": product.product_id,
        "customer_id": customer_id,
        "order_id": order_id,
        "rating": rating,
        "title": rng.choice(titles),
        "body": rng.choice(bodies).format(item=product.kind),
        "language": language,
        "created_ts": iso_offset(ms) if language != "en" and rng.random() < 0.5 else iso_ms(ms),
    }

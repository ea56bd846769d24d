"""The shop's catalog: products across categories, with prices, brands and popularity.

Bestsellers matter for a believable story, so each product has a popularity
weight (a long tail) and a rating bias (some products are simply better).
The catalog holds what its editors entered: some products have no brand or
subcategory filled in, sizes are in inches (``Cast Iron Skillet 12"``), and a
few names were pasted from a supplier's sheet with the brand on a line of its own.
"""
from __future__ import annotations

import bisect
import dataclasses
import random
from dataclasses import dataclass
from itertools import accumulate

from lakehouse.lib.generator.clock import DAY_MS, HOUR_MS, iso_seconds
from lakehouse.lib.generator.run import Run

PRODUCT_COLUMNS = ("product_id", "sku", "name", "category", "subcategory", "brand", "list_price", "currency",
                   "active", "updated_at")

# category -> (subcategory, lowest and highest list price in USD, product nouns)
CATEGORIES: dict[str, tuple[tuple[str, int, int, tuple[str, ...]], ...]] = {
    "Electronics": (
        ("Headphones", 19, 349, ("Wireless Over-Ear Headphones", "Noise-Cancelling Earbuds", "Sport Earphones")),
        ("Phone Accessories", 5, 79, ("USB-C Fast Charger", "MagSafe Case", "Braided Cable 2m", "Power Bank")),
        ("Smart Home", 15, 249, ("Smart Plug", "Video Doorbell", "Wi-Fi Light Bulb", "Indoor Camera",
                                 'Smart Display 8"')),
        ("Cameras", 79, 499, ("Action Camera", "Instant Camera", "Compact Camera")),
    ),
    "Home & Kitchen": (
        ("Cookware", 12, 220, ("Cast Iron Skillet 28cm", 'Cast Iron Skillet 12"', "Nonstick Pan Set", "Dutch Oven 5L")),
        ("Small Appliances", 25, 450, ("Espresso Machine", "Air Fryer", "Stand Mixer", "Electric Kettle")),
        ("Tableware", 6, 90, ("Stoneware Plate Set", "Wine Glasses, Set of 4", 'Dinner Plates 10", Set of 6',
                              "Linen Napkins")),
        ("Bedding", 15, 180, ("Cotton Duvet Cover", "Memory Foam Pillow", "Wool Throw")),
    ),
    "Fashion": (
        ("Tops", 9, 79, ("Organic Cotton T-Shirt", "Merino Sweater", "Oxford Shirt")),
        ("Dresses", 25, 180, ("Wrap Dress", "Linen Midi Dress", "Knit Dress")),
        ("Outerwear", 45, 420, ("Rain Jacket", "Down Parka", "Wool Coat")),
        ("Accessories", 8, 120, ("Leather Belt", "Beanie", "Canvas Tote", "Silk Scarf")),
    ),
    "Shoes": (
        ("Running", 49, 220, ("Road Running Shoe", "Trail Runner", "Racing Flat")),
        ("Casual", 35, 160, ("Canvas Sneaker", "Leather Loafer", "Slip-On")),
        ("Boots", 60, 300, ("Chelsea Boot", "Hiking Boot", "Winter Boot")),
    ),
    "Beauty": (
        ("Skincare", 6, 95, ("Vitamin C Serum", "Daily Moisturizer SPF 30", "Gentle Cleanser")),
        ("Makeup", 5, 60, ("Lip Tint", "Mascara", "Tinted Balm")),
        ("Fragrance", 25, 180, ("Eau de Parfum 50ml", "Eau de Toilette 100ml")),
    ),
    "Sports & Outdoors": (
        ("Camping", 10, 400, ("2-Person Tent", "Sleeping Bag -5°C", "Camping Stove")),
        ("Fitness", 8, 350, ("Yoga Mat", "Adjustable Dumbbells", "Resistance Bands", 'Foam Roller 18"')),
        ("Cycling", 12, 480, ("Bike Helmet", "LED Bike Light", "Cycling Jersey", 'Inner Tube 29"')),
    ),
    "Toys & Games": (
        ("Board Games", 12, 80, ("Strategy Board Game", "Party Game", "Family Card Game")),
        ("Building Sets", 10, 250, ("Castle Building Set", "Space Station Set", "Race Car Kit")),
        ("Puzzles", 8, 45, ("1000-Piece Puzzle", "3D Puzzle", "Wooden Puzzle")),
    ),
    "Books": (
        ("Fiction", 6, 30, ("Mystery Novel", "Fantasy Novel", "Literary Fiction")),
        ("Cooking", 12, 45, ("Weeknight Cookbook", "Baking Book", "Vegetarian Cookbook")),
        ("Children's", 5, 25, ("Picture Book", "Bedtime Stories", "Activity Book")),
    ),
}
BRANDS = {
    "Electronics": ("Voltwave", "Sonora", "Pixelon", "Auralis"),
    "Home & Kitchen": ("Nordvik", "Casa Bella", "Ironleaf", "Hearthstone"),
    "Fashion": ("Marlow & Finch", "Urbanthread", "Linnea", "Côte Sauvage"),
    "Shoes": ("Stridewell", "Trailpeak", "Koa Running"),
    "Beauty": ("Lumière Botanics", "Dewdrop", "Veyra"),
    "Sports & Outdoors": ("Summitline", "Pedalworks", "CoreForge"),
    "Toys & Games": ("Brickhaven", "Meeple & Co", "Puzzlecraft"),
    "Books": ("Lanternfish Press", "Quillstone", "Paperkite"),
}
VARIANTS = {
    "Electronics": ("", "", " Pro", " Mini", " 2", " Black", " White"),
    "Home & Kitchen": ("", "", " Grey", " Oak", " Large"),
    "Fashion": ("", " Black", " Navy", " Sage", " Sand", ", Men's", ", Women's"),
    "Shoes": ("", " Black", " White", ", Men's", ", Women's"),
    "Beauty": ("", "", " Travel Size"),
    "Sports & Outdoors": ("", " Pro", " Lite"),
    "Toys & Games": ("", "", " Deluxe Edition"),
    "Books": ("", " Hardcover", " Paperback"),
}
PRICE_ENDINGS = (99, 99, 99, 49, 95, 0)
UNFILLED_SHARE = {"brand": 0.08, "subcategory": 0.05}  # share of products without it in the catalog
MULTI_LINE_NAMES = (3, 5)  # fewest and most names with a line break, one per hundred products between


@dataclass(frozen=True)
class Product:
    product_id: str
    sku: str
    name: str
    kind: str  # what the product is, without brand or variant: "air fryer"
    category: str
    subcategory: str
    brand: str
    price_cents: int
    active: bool
    updated_ms: int
    popularity: float
    rating_bias: float
    unfilled: frozenset[str] = frozenset()  # catalog columns no editor filled in: empty cells in the export

    def row(self) -> list[str]:
        """The catalog export's columns; the catalog lists prices in USD."""
        row = [self.product_id, self.sku, self.name, self.category, self.subcategory, self.brand,
               f"{self.price_cents // 100}.{self.price_cents % 100:02d}", "USD",
               "true" if self.active else "false", iso_seconds(self.updated_ms)]
        return ["" if column in self.unfilled else value for column, value in zip(PRODUCT_COLUMNS, row)]

    @property
    def url(self) -> str:
        return f"https://shop.example.com/product/{self.product_id}"


class Catalog:
    """All products, their one later revision, and popularity-weighted picking."""

    def __init__(self, products: list[Product], revisions: list[Product], revision_day: int) -> None:
        self.products = products
        self.revisions = revisions
        self.revision_day = revision_day
        self.categories = tuple(CATEGORIES)
        self._by_category = {name: [p for p in products if p.category == name] for name in CATEGORIES}
        self._cumulative = {name: list(accumulate(p.popularity for p in group))
                            for name, group in self._by_category.items() if group}
        self._all_cumulative = list(accumulate(p.popularity for p in products))
        self._revised = {p.product_id: p for p in revisions}
        self._by_id = {p.product_id: p for p in products}

    def product(self, product_id: str) -> Product:
        return self._by_id[product_id]

    def pick(self, rng: random.Random, category: str | None = None) -> Product:
        """A product, bestsellers more often; within a category when one is given and stocked."""
        group, cumulative = self.products, self._all_cumulative
        if category in self._cumulative:
            group, cumulative = self._by_category[category], self._cumulative[category]
        return group[bisect.bisect(cumulative, rng.random() * cumulative[-1])]

    def price_cents_at(self, product: Product, ms: int) -> int:
        """List price in USD cents at a moment, honouring the later revision."""
        revised = self._revised.get(product.product_id)
        if revised is not None and ms >= revised.updated_ms:
            return revised.price_cents
        return product.price_cents


def build_catalog(run: Run, count: int) -> Catalog:
    rng = run.world_rng("catalog")
    slots = [(category, sub) for category, subs in CATEGORIES.items() for sub in subs]
    ranks = list(range(1, count + 1))
    rng.shuffle(ranks)
    products = [_product(rng, run, number, *slots[rng.randrange(len(slots))], rank=ranks[number - 1])
                for number in range(1, count + 1)]
    products = _as_entered(run.world_rng("catalog-entries"), products)
    revision_day = run.days // 2
    return Catalog(products, _revisions(run, products, revision_day), revision_day)


def _product(rng: random.Random, run: Run, number: int, category: str,
             sub: tuple[str, int, int, tuple[str, ...]], rank: int) -> Product:
    subcategory, low, high, nouns = sub
    brand, noun = rng.choice(BRANDS[category]), rng.choice(nouns)
    dollars = int(low * (high / low) ** rng.random())
    cents = min(50_000, max(500, dollars * 100 + rng.choice(PRICE_ENDINGS)))
    return Product(
        product_id=f"P{number:05d}",
        sku=f"{category[:3].upper()}-{subcategory[:3].upper()}-{number:05d}",
        name=f"{brand} {noun}{rng.choice(VARIANTS[category])}", kind=noun.lower(),
        category=category, subcategory=subcategory, brand=brand, price_cents=cents,
        active=rng.random() < 0.96,
        updated_ms=run.start_ms - rng.randrange(1, 400) * DAY_MS + rng.randrange(DAY_MS),
        popularity=1.0 / rank ** 0.9,
        rating_bias=rng.gauss(0.0, 0.45),
    )


def _as_entered(rng: random.Random, products: list[Product]) -> list[Product]:
    """Products as the catalog's editors left them: attributes not filled in, a few two-line names."""
    entered = [dataclasses.replace(p, unfilled=frozenset(c for c, share in UNFILLED_SHARE.items()
                                                         if rng.random() < share))
               for p in products]
    fewest, most = MULTI_LINE_NAMES
    for i in rng.sample(range(len(entered)), min(len(entered), max(fewest, min(most, len(entered) // 100)))):
        product = entered[i]  # its name is "<brand> <what it is>"
        two_lines = f"{product.brand}\n{product.name.removeprefix(product.brand).lstrip()}"
        entered[i] = dataclasses.replace(product, name=two_lines)
    return entered


def _revisions(run: Run, products: list[Product], day: int) -> list[Product]:
    """A later export where a few products get a new price, a new place in the tree, or retire."""
    rng = run.rng("catalog-revisions")
    changed_at = run.start_ms + day * DAY_MS + 2 * HOUR_MS
    revised = []
    for product in rng.sample(products, max(1, len(products) * 3 // 100)):
        roll = rng.random()
        if roll < 0.6:
            factor = rng.choice((0.7, 0.8, 0.85, 0.9, 1.05, 1.1))
            cents = max(500, min(50_000, round(product.price_cents * factor / 100) * 100 - 1))
            change = {"price_cents": cents}
        elif roll < 0.85:
            category = rng.choice(list(CATEGORIES))
            change = {"category": category, "subcategory": rng.choice(CATEGORIES[category])[0],
                      "unfilled": product.unfilled - {"subcategory"}}
        else:
            change = {"active": False}
        revised.append(dataclasses.replace(product, updated_ms=changed_at + rng.randrange(HOUR_MS), **change))
    return revised

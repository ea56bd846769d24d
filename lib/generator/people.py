"""The shop's customers (a CRM), and the daily exports of the ones who changed.

Names come from the customer's country, so some are not ASCII (José, Zoë,
Łukasz); e-mail domains and phone numbers are the ones reserved for examples.
The CRM holds what people entered: most gave no phone number, some no birth
date or postal code, and a few typed a nickname in quotes after their first
name (``Oliver "Ollie"``).
"""
from __future__ import annotations

import bisect
import dataclasses
import random
import unicodedata
from dataclasses import dataclass
from itertools import accumulate

from lakehouse.lib.generator.clock import DAY_MS, iso_seconds, time_of_day_ms
from lakehouse.lib.generator.lifetimes import Lifetime, draw_lifetimes
from lakehouse.lib.generator.run import Run

CUSTOMER_COLUMNS = ("customer_id", "email", "first_name", "last_name", "phone", "birth_date", "country", "city",
                    "postal_code", "signup_ts", "marketing_opt_in", "updated_at")
COUNTRY_WEIGHTS = {"US": 50, "GB": 12, "DE": 10, "FR": 7, "NL": 5, "ES": 5, "CA": 4, "IT": 3, "PL": 2, "AU": 2}
FIRST_NAMES = {
    "en": ("James", "Mary", "Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Zoë", "Chloe",
           "Aiden", "Grace", "Siobhán", "Oliver", "Amelia", "Harry", "Isla", "Jack"),
    "DE": ("Lukas", "Jürgen", "Anna", "Leonie", "Felix", "Jörg", "Sophie", "Maximilian", "Lena", "Björn"),
    "FR": ("François", "Chloé", "Léa", "Hugo", "Camille", "Gaëlle", "Louis", "Inès", "Théo", "Manon"),
    "NL": ("Daan", "Sanne", "Lotte", "Bram", "Noor", "Joël", "Femke", "Sem"),
    "ES": ("José", "María", "Lucía", "Javier", "Sofía", "Álvaro", "Carmen", "Íñigo"),
    "IT": ("Giulia", "Niccolò", "Francesca", "Luca", "Chiara", "Matteo"),
    "PL": ("Łukasz", "Małgorzata", "Zofia", "Paweł", "Agnieszka", "Michał"),
}
LAST_NAMES = {
    "en": ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson", "Taylor",
           "Anderson", "Thomas", "Moore", "Martin", "O'Brien", "Nguyen", "Clarke", "Walsh", "Patel", "Evans"),
    "DE": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Schröder", "Wagner", "Becker", "Hoffmann"),
    "FR": ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Roux", "Fontaine"),
    "NL": ("de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "de Jong"),
    "ES": ("García", "Fernández", "López", "Martínez", "Muñoz", "Peña", "Sánchez", "Gómez"),
    "IT": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"),
    "PL": ("Kowalski", "Wójcik", "Nowak", "Wiśniewska", "Lewandowski", "Kamińska"),
}
CITIES = {
    "US": (("New York", "10001"), ("Austin", "78701"), ("Seattle", "98101"), ("Chicago", "60601"),
           ("Washington, D.C.", "20001"), ("Boston", "02108"), ("Denver", "80202"), ("San José", "95113")),
    "GB": (("London", "SW1A 1AA"), ("Manchester", "M1 1AE"), ("Edinburgh", "EH1 1YZ"), ("Bristol", "BS1 4DJ")),
    "DE": (("Berlin", "10115"), ("München", "80331"), ("Köln", "50667"), ("Düsseldorf", "40213")),
    "FR": (("Paris", "75001"), ("Lyon", "69001"), ("Marseille", "13001"), ("Besançon", "25000")),
    "NL": (("Amsterdam", "1012 AB"), ("Utrecht", "3511 AA"), ("Rotterdam", "3011 AA")),
    "ES": (("Madrid", "28001"), ("Barcelona", "08001"), ("A Coruña", "15001"), ("Málaga", "29001")),
    "IT": (("Milano", "20121"), ("Roma", "00184"), ("Torino", "10121")),
    "PL": (("Warszawa", "00-001"), ("Kraków", "30-001"), ("Łódź", "90-001")),
    "CA": (("Toronto", "M5H 2N2"), ("Montréal", "H2Y 1C6"), ("Vancouver", "V6B 1A1")),
    "AU": (("Sydney", "2000"), ("Melbourne", "3000"), ("Brisbane", "4000")),
}
PHONE_PREFIXES = {"US": "+1", "CA": "+1", "GB": "+44", "DE": "+49", "FR": "+33", "NL": "+31", "ES": "+34",
                  "IT": "+39", "PL": "+48", "AU": "+61"}
MAIL_DOMAINS = ("example.com", "mail.example.net", "example.org", "inbox.example.com")
ASCII_FOLDS = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "ß": "ss", "'": "", " ": ""})
NEW_SIGNUP_SHARE = 0.02
DAILY_CHANGE_SHARE = 0.015
LEFT_EMPTY = {"phone": 0.6, "birth_date": 0.25, "postal_code": 0.12}  # share of customers who left it empty
NICKNAMES = {"James": "Jim", "Mary": "Molly", "Olivia": "Liv", "Sophia": "Sophie", "Oliver": "Ollie",
             "Amelia": "Millie", "Grace": "Gracie", "Siobhán": "Shiv", "Harry": "Haz", "Maximilian": "Max",
             "Małgorzata": "Gosia", "Francesca": "Frankie", "Javier": "Javi", "Niccolò": "Nico", "Agnieszka": "Aga"}
NICKNAME_SHARE = 0.02
MIN_NICKNAMES = 3
REDRAWS = 20  # draws for a visitor who has not left before the one drawn last is taken anyway


@dataclass(frozen=True)
class Customer:
    customer_id: str
    email: str
    first_name: str
    last_name: str
    phone: str
    birth_date: str
    country: str
    city: str
    postal_code: str
    signup_ms: int
    opt_in: bool
    updated_ms: int

    def row(self) -> list[str]:
        return [self.customer_id, self.email, self.first_name, self.last_name, self.phone, self.birth_date,
                self.country, self.city, self.postal_code, iso_seconds(self.signup_ms),
                "true" if self.opt_in else "false", iso_seconds(self.updated_ms)]


class Crm:
    """The customers as the shop knows them, and who is likely to visit (a few come back a lot).

    ``lifetimes`` (with the shop's history, else empty) says who has left: they visit no more.
    """

    def __init__(self, customers: list[Customer], activity: list[float],
                 lifetimes: dict[str, Lifetime] | None = None) -> None:
        self.customers = customers
        self.lifetimes = lifetimes or {}
        self._cumulative = list(accumulate(activity))

    def pick(self, rng: random.Random, at_ms: int) -> Customer | None:
        """A visiting customer, or None when the one drawn had not signed up yet; one who has left is drawn again."""
        for _ in range(REDRAWS):
            customer = self.customers[bisect.bisect(self._cumulative, rng.random() * self._cumulative[-1])]
            if not self.has_left(customer, at_ms):
                break
        return customer if customer.signup_ms <= at_ms else None

    def pick_signed_up(self, rng: random.Random, at_ms: int) -> Customer:
        for _ in range(20):
            customer = self.pick(rng, at_ms)
            if customer is not None:
                return customer
        return self.customers[0]

    def has_left(self, customer: Customer, at_ms: int) -> bool:
        lifetime = self.lifetimes.get(customer.customer_id)
        return lifetime is not None and lifetime.has_left(at_ms)


def build_crm(run: Run, count: int) -> Crm:
    """``count`` customers; with the shop's history, signed up since its opening, each with a lifetime whose rhythm
    is also how often they visit."""
    rng = run.world_rng("customers")
    window_rng = run.rng("signups")
    lifetimes = draw_lifetimes(run, count) if run.history_days else []
    customers, activity = [], []
    for number in range(1, count + 1):
        customer = _customer(rng, f"C{number:05d}", run.start_ms)
        visits = min(rng.paretovariate(1.3), 40.0)
        if lifetimes:
            lifetime = lifetimes[number - 1]
            edited = lifetime.signup_ms + int(window_rng.random() * (run.start_ms - lifetime.signup_ms))
            customer, visits = dataclasses.replace(customer, signup_ms=lifetime.signup_ms,
                                                   updated_ms=edited), lifetime.orders_per_day
        if window_rng.random() < NEW_SIGNUP_SHARE:
            signup = run.start_ms + window_rng.randrange(run.days) * DAY_MS + time_of_day_ms(window_rng)
            customer = dataclasses.replace(customer, signup_ms=signup, updated_ms=signup)
        customers.append(customer)
        activity.append(visits)
    by_id = {c.customer_id: dataclasses.replace(lifetime, signup_ms=c.signup_ms)  # a sign-up in the window wins
             for c, lifetime in zip(customers, lifetimes)}
    return Crm(_as_entered(run.world_rng("customer-entries"), customers), activity, by_id)


def _as_entered(rng: random.Random, customers: list[Customer]) -> list[Customer]:
    """Customers as they filled in the sign-up form: fields left empty, a nickname typed in quotes."""
    entered = [dataclasses.replace(c, **{name: "" for name, share in LEFT_EMPTY.items() if rng.random() < share})
               for c in customers]
    named = [i for i, c in enumerate(entered) if c.first_name in NICKNAMES]
    for i in rng.sample(named, min(len(named), max(MIN_NICKNAMES, round(len(entered) * NICKNAME_SHARE)))):
        first = entered[i].first_name
        entered[i] = dataclasses.replace(entered[i], first_name=f'{first} "{NICKNAMES[first]}"')
    return entered


def _customer(rng: random.Random, customer_id: str, before_ms: int) -> Customer:
    country = rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]
    names = country if country in FIRST_NAMES else "en"
    first, last = rng.choice(FIRST_NAMES[names]), rng.choice(LAST_NAMES[names])
    city, postal = rng.choice(CITIES[country])
    signup = before_ms - rng.randrange(30, 4 * 365) * DAY_MS + rng.randrange(DAY_MS)
    updated = signup + int(rng.random() * (before_ms - signup))
    birth_date = f"{rng.randint(1948, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return Customer(
        customer_id=customer_id, email=_email(rng, first, last), first_name=first, last_name=last,
        phone=_phone(rng, country), birth_date=birth_date, country=country, city=city, postal_code=postal,
        signup_ms=signup, opt_in=rng.random() < 0.55, updated_ms=updated)


def _email(rng: random.Random, first: str, last: str) -> str:
    local = rng.choice((f"{first}.{last}", f"{first[0]}{last}", f"{first}{last}{rng.randint(1, 99)}"))
    folded = unicodedata.normalize("NFKD", local.translate(ASCII_FOLDS)).encode("ascii", "ignore").decode()
    return f"{folded.lower()}@{rng.choice(MAIL_DOMAINS)}"


def _phone(rng: random.Random, country: str) -> str:
    if country in ("US", "CA"):
        area = rng.choice(("202", "212", "312", "415", "512", "617", "416", "604"))
        number = f"555-01{rng.randint(0, 99):02d}"
        return f"({area}) {number}" if rng.random() < 0.3 else f"+1 {area}-{number}"
    if country == "GB":
        return f"+44 7700 900{rng.randint(0, 999):03d}"
    return f"{PHONE_PREFIXES[country]} {rng.randint(150, 179)} {rng.randint(1_000_000, 9_999_999)}"


def snapshot_rows(run: Run, crm: Crm, changed: dict[int, list[Customer]]) -> list[list[str]]:
    """The first day's full export, as it stood at the end of that day."""
    latest = {c.customer_id: c for c in crm.customers if c.signup_ms < run.start_ms + DAY_MS}
    latest.update((c.customer_id, c) for c in changed.get(0, []))
    return [customer.row() for customer in latest.values()]


def daily_changes(run: Run, crm: Crm) -> dict[int, list[Customer]]:
    """Per day, the customers whose e-mail, city, phone or opt-in changed, or who signed up."""
    rng = run.rng("customer-changes")
    current = {c.customer_id: c for c in crm.customers}
    changes: dict[int, list[Customer]] = {}
    for day in range(run.days):
        day_start = run.start_ms + day * DAY_MS
        moved = []
        for customer in crm.customers:
            if day_start <= customer.signup_ms < day_start + DAY_MS:
                moved.append(customer)
        known = [c for c in current.values() if c.signup_ms < day_start]
        for customer in rng.sample(known, min(len(known), max(1, round(len(known) * DAILY_CHANGE_SHARE)))):
            updated = _changed(rng, customer, day_start + time_of_day_ms(rng))
            current[customer.customer_id] = updated
            moved.append(updated)
        changes[day] = moved
    return changes


def _changed(rng: random.Random, customer: Customer, at_ms: int) -> Customer:
    roll = rng.random()
    if roll < 0.35:
        given_name = customer.first_name.partition(' "')[0]  # without a nickname
        change = {"email": _email(rng, given_name, customer.last_name)}
    elif roll < 0.6:
        city, postal = rng.choice(CITIES[customer.country])
        change = {"city": city, "postal_code": postal if customer.postal_code else ""}
    elif roll < 0.85:
        change = {"opt_in": not customer.opt_in}
    else:
        change = {"phone": _phone(rng, customer.country)}
    return dataclasses.replace(customer, updated_ms=at_ms, **change)

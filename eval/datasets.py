"""Deterministic eval datasets: the same seed always writes byte-identical CSVs to eval/data/.

Six shapes, each small (well under 1 MB) so a full eval run stays fast:

* ``sales``      – orders with regions, products, channels and dates (a fact table);
* ``customers``, ``orders``, ``products`` – three inputs for joins (``customer_id``, ``product_id``);
* ``sensors``    – a sensor time series with timestamps and a few NULL readings;
* ``wide``       – 200 columns (``id``, ``segment`` and 198 numeric ``m_###`` measures);
* ``tickets``    – messy text: mixed case, padded names, empty cells (NULLs), free-text notes;
* ``ventes``     – French column names with accents and a currency sign (Unicode identifiers).

Only the standard library's ``random.Random(seed)`` is used, never global state, so the
files do not depend on anything but the seed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SEED = 20240

REGIONS = ["North", "South", "East", "West"]
PRODUCTS = ["Laptop", "Phone", "Tablet", "Monitor", "Keyboard", "Headset"]
CHANNELS = ["online", "retail", "partner"]
CITIES = ["Paris", "Berlin", "Madrid", "Rome", "Vienna", "Lisbon", "Dublin"]
SEGMENTS = ["consumer", "business", "enterprise"]
CATEGORIES = ["hardware", "software", "services", "accessories"]
STATUSES = ["delivered", "shipped", "cancelled", "returned"]
SITES = ["alpha", "bravo", "charlie"]


def _csv(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


def sales(rng: random.Random) -> str:
    start = date(2023, 1, 1)
    rows = []
    for i in range(1, 2401):
        q = rng.randint(1, 12)
        price = round(rng.uniform(8, 900), 2)
        disc = round(rng.choice([0, 0, 0, 0.05, 0.1, 0.15]), 2)
        rows.append(
            [
                i,
                (start + timedelta(days=rng.randrange(730))).isoformat(),
                rng.choice(REGIONS),
                rng.choice(PRODUCTS),
                rng.choice(CHANNELS),
                q,
                price,
                disc,
                round(q * price * (1 - disc), 2),
            ]
        )
    return _csv(
        [
            "order_id",
            "order_date",
            "region",
            "product",
            "channel",
            "quantity",
            "unit_price",
            "discount",
            "revenue",
        ],
        rows,
    )


def customers(rng: random.Random) -> str:
    first = ["Ada", "Ben", "Cleo", "Dan", "Eva", "Finn", "Gus", "Hana", "Ivo", "Jill", "Kai", "Lena"]
    last = ["Stone", "Berg", "Costa", "Dumas", "Ek", "Frey", "Gale", "Holm"]
    rows = []
    for i in range(1, 121):
        rows.append(
            [
                i,
                f"{rng.choice(first)} {rng.choice(last)}",
                rng.choice(CITIES),
                rng.choice(SEGMENTS),
                (date(2020, 1, 1) + timedelta(days=rng.randrange(1400))).isoformat(),
            ]
        )
    return _csv(["customer_id", "full_name", "city", "segment", "signup_date"], rows)


def products(rng: random.Random) -> str:
    rows = []
    for i in range(1, 41):
        rows.append([i, f"P-{i:03d}", rng.choice(CATEGORIES), round(rng.uniform(5, 400), 2)])
    return _csv(["product_id", "product_name", "category", "list_price"], rows)


def orders(rng: random.Random) -> str:
    rows = []
    for i in range(1, 1501):
        rows.append(
            [
                10_000 + i,
                rng.randint(1, 125),  # ids 121..125 have no customer: an inner join drops them
                rng.randint(1, 40),
                (date(2024, 1, 1) + timedelta(days=rng.randrange(366))).isoformat(),
                rng.choice(STATUSES),
                rng.randint(1, 9),
                round(rng.uniform(10, 2000), 2),
            ]
        )
    return _csv(["order_id", "customer_id", "product_id", "order_date", "status", "units", "amount"], rows)


def sensors(rng: random.Random) -> str:
    t0 = datetime(2024, 3, 1, 0, 0, 0)
    rows = []
    for i in range(3000):
        ts = t0 + timedelta(minutes=37 * i + rng.randrange(30))
        sid = f"S{rng.randint(1, 8):02d}"
        temp = round(rng.gauss(21, 4), 2) if rng.random() > 0.03 else None
        hum = round(rng.uniform(20, 90), 1) if rng.random() > 0.03 else None
        rows.append(
            [ts.strftime("%Y-%m-%d %H:%M:%S"), sid, rng.choice(SITES), temp, hum, rng.randint(5, 100)]
        )
    return _csv(["reading_time", "sensor_id", "site", "temperature", "humidity", "battery_pct"], rows)


def wide(rng: random.Random) -> str:
    cols = ["id", "segment"] + [f"m_{k:03d}" for k in range(1, 199)]
    rows = []
    for i in range(1, 301):
        row: list = [i, rng.choice(["a", "b", "c"])]
        for k in range(1, 199):
            row.append(rng.randint(0, 1000) if k % 2 else round(rng.uniform(-50, 50), 3))
        rows.append(row)
    return _csv(cols, rows)


def tickets(rng: random.Random) -> str:
    names = [
        "alice martin",
        "BOB STONE",
        "Carla Diaz",
        "  dave lee",
        "Erin Wolfe  ",
        "frank ODELL",
        "Grace Ho",
    ]
    cities = ["Paris", "paris", "PARIS", "Berlin", "berlin", "Oslo", None]
    notes = [
        "Printer is broken",
        "refund requested",
        "login fails on mobile",
        "URGENT: server down",
        "password reset",
        "Refund issued",
        "",
        "shipping delayed",
        "printer jam again",
    ]
    rows = []
    for i in range(1, 801):
        pri = rng.choice(["low", "Low", "HIGH", "high", "medium", None])
        score = rng.randint(1, 5) if rng.random() > 0.15 else None
        hours = round(rng.uniform(0.5, 72), 1) if rng.random() > 0.1 else None
        note = rng.choice(notes)
        rows.append([i, rng.choice(names), rng.choice(cities), pri, score, hours, note or None])
    return _csv(
        ["ticket_id", "customer_name", "city", "priority", "satisfaction", "resolution_hours", "notes"], rows
    )


def ventes(rng: random.Random) -> str:
    regions = ["Île-de-France", "Bretagne", "Provence", "Alsace"]
    cats = ["épicerie", "boissons", "hygiène", "surgelés"]
    rows = []
    for i in range(1, 1201):
        q = rng.randint(1, 30)
        p = round(rng.uniform(0.5, 60), 2)
        rows.append(
            [
                i,
                (date(2024, 1, 1) + timedelta(days=rng.randrange(366))).isoformat(),
                rng.choice(regions),
                rng.choice(cats),
                q,
                p,
                round(q * p, 2),
            ]
        )
    return _csv(
        ["numéro", "date_de_vente", "région", "catégorie", "quantité", "prix_unitaire", "montant_€"], rows
    )


GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "sales": sales,
    "customers": customers,
    "products": products,
    "orders": orders,
    "sensors": sensors,
    "wide": wide,
    "tickets": tickets,
    "ventes": ventes,
}


def render(seed: int = DEFAULT_SEED, names: list[str] | None = None) -> dict[str, str]:
    """Every dataset (or `names`) as CSV text; each gets its own RNG derived from (seed, name)."""
    out = {}
    for name, fn in GENERATORS.items():
        if names is not None and name not in names:
            continue
        sub = int.from_bytes(hashlib.sha256(f"{seed}:{name}".encode()).digest()[:8], "big")
        out[name] = fn(random.Random(sub))
    return out


def write(seed: int = DEFAULT_SEED, directory: Path = DATA_DIR) -> dict[str, Path]:
    """(Re)write every dataset as ``<directory>/<name>.csv``; returns name -> path."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in render(seed).items():
        p = directory / f"{name}.csv"
        data = text.encode("utf-8")
        if not p.exists() or p.read_bytes() != data:
            p.write_bytes(data)
        paths[name] = p
    return paths


if __name__ == "__main__":
    for n, p in write().items():
        print(f"{n:10s} {p.stat().st_size:>9,d} bytes  {p}")

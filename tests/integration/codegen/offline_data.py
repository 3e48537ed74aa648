"""Generated datasets + InputInfo for the offline generator tests (shared by unit/integration)."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from codeinterp_codegen.domain.offline import ColumnInfo, InputInfo


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])


def make_datasets(root: Path) -> tuple[dict[str, str], dict[str, InputInfo]]:
    rnd = random.Random(7)
    paths: dict[str, str] = {}
    infos: dict[str, InputInfo] = {}

    # sales: region/date/amount/quantity/product
    regions = ["East", "West", "North", "South"]
    products = ["Widget", "Gadget", "Gizmo Pro", "Doohickey", "Thingamajig"]
    customers = [f"Cust{i:02d}" for i in range(25)]
    rows = []
    start = dt.date(2023, 11, 1)
    for i in range(400):
        d = start + dt.timedelta(days=rnd.randrange(0, 200))
        rows.append([1000 + i, rnd.choice(regions), rnd.choice(products), rnd.choice(customers), d.isoformat(),
                     round(rnd.uniform(1, 500), 2), rnd.randint(1, 20), round(rnd.uniform(1, 50), 2)])
    cols = [ColumnInfo("order_id", "int"), ColumnInfo("region", "string"), ColumnInfo("product", "string"),
            ColumnInfo("customer", "string"), ColumnInfo("order_date", "date"), ColumnInfo("amount", "double"),
            ColumnInfo("quantity", "int"), ColumnInfo("unit_price", "double")]
    p = root / "sales.csv"
    _write(p, [c.name for c in cols], rows)
    paths["sales"] = str(p)
    infos["sales"] = InputInfo("sales", "csv", cols, None, [list(r) for r in rows[:40]])

    # customers + orders (join)
    segs = ["Consumer", "Corporate", "Home Office"]
    cust_rows = [[i, f"Name {i:02d}", rnd.choice(["Paris", "Berlin", "Madrid", "Rome"]), rnd.choice(segs)] for i in range(1, 31)]
    ccols = [ColumnInfo("customer_id", "int"), ColumnInfo("name", "string"), ColumnInfo("city", "string"),
             ColumnInfo("segment", "string")]
    p = root / "customers.csv"
    _write(p, [c.name for c in ccols], cust_rows)
    paths["customers"] = str(p)
    infos["customers"] = InputInfo("customers", "csv", ccols, None, [list(r) for r in cust_rows[:30]])
    ord_rows = []
    for i in range(300):
        cid = rnd.randint(1, 34)  # some orders have unknown customers (dropped by the inner join)
        ord_rows.append([5000 + i, cid, (dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randrange(0, 120))).isoformat(),
                         round(rnd.uniform(5, 900), 2), rnd.choice(["shipped", "pending", "cancelled"])])
    ocols = [ColumnInfo("order_id", "int"), ColumnInfo("customer_id", "int"), ColumnInfo("order_date", "date"),
             ColumnInfo("revenue", "double"), ColumnInfo("status", "string")]
    p = root / "orders.csv"
    _write(p, [c.name for c in ocols], ord_rows)
    paths["orders"] = str(p)
    infos["orders"] = InputInfo("orders", "csv", ocols, None, [list(r) for r in ord_rows[:40]])

    # messy: Unicode / spaces / dots in names, NULLs, mixed case
    mrows = []
    villes = ["Zürich", "zürich", "Genève", "Lausanne", None]
    for i in range(150):
        mrows.append([
            i,
            rnd.choice(villes),
            None if rnd.random() < 0.15 else round(rnd.uniform(-50, 300), 3),
            None if rnd.random() < 0.1 else rnd.randint(0, 9),
            rnd.choice(["A", "b", "C", None]),
            (dt.datetime(2024, 1, 1, 8, 0) + dt.timedelta(hours=rnd.randrange(0, 24 * 90))).isoformat(sep=" "),
        ])
    mcols = [ColumnInfo("Id", "int"), ColumnInfo("Ville", "string"), ColumnInfo("Montant (€)", "double"),
             ColumnInfo("unit.count", "int"), ColumnInfo("Cat`egory", "string"), ColumnInfo("Event Time", "timestamp")]
    p = root / "messy.csv"
    _write(p, [c.name for c in mcols], mrows)
    paths["messy"] = str(p)
    infos["messy"] = InputInfo("messy", "csv", mcols, None, [list(r) for r in mrows[:60]])
    return paths, infos

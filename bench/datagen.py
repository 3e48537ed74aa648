"""Deterministic sales CSVs for the benchmarks (fixed seed, generated on the fly, no downloads).

Columns: order_id (int), order_date (ISO date), region (4 values), product (5 values),
customer, quantity (int), amount (float).
"""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

REGIONS = ("north", "south", "east", "west")
PRODUCTS = ("widget", "gadget", "gizmo", "doohickey", "sprocket")
HEADER = "order_id,order_date,region,product,customer,quantity,amount\n"


def write_sales_csv(path: str | os.PathLike, target_bytes: int, *, seed: int = 42) -> dict:
    """Write rows until the file reaches ``target_bytes``; returns {path, rows, bytes}."""
    rng = random.Random(seed)
    start = dt.date(2023, 1, 1)
    rows = 0
    size = len(HEADER)
    parts = [HEADER]
    while size < target_bytes:
        rows += 1
        day = start + dt.timedelta(days=rng.randrange(730))
        qty = rng.randint(1, 20)
        line = (
            f"{rows},{day.isoformat()},{rng.choice(REGIONS)},{rng.choice(PRODUCTS)},"
            f"cust{rng.randrange(5000):05d},{qty},{round(qty * rng.uniform(2.0, 80.0), 2)}\n"
        )
        parts.append(line)
        size += len(line)
    p = Path(path)
    p.write_text("".join(parts))
    os.chmod(p, 0o644)
    return {"path": str(p), "rows": rows, "bytes": p.stat().st_size}

"""`make demo`: a 100k-row sales CSV, the stack, three questions through the REST API.

Starts the stack (unless one already answers on the REST port), uploads the CSV into a
session, asks three questions with Spark, prints each answer's code and result table, and
stops what it started.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("CODEINTERP_HTTP_PORT", "8080"))
BASE = f"http://127.0.0.1:{PORT}"
QUESTIONS = [
    "average amount by region",
    "total amount by month",
    "top 5 products by total quantity",
]


def sales_csv(rows: int = 120_000, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    regions = ["East", "West", "North", "South", "Central"]
    products = [f"P{n:03d}" for n in range(40)]
    start = date(2024, 1, 1)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["order_id", "order_date", "region", "product", "quantity", "amount"])
    for i in range(rows):
        writer.writerow(
            [
                i + 1,
                (start + timedelta(days=rng.randrange(365))).isoformat(),
                rng.choice(regions),
                rng.choice(products),
                rng.randint(1, 20),
                round(rng.uniform(5, 500), 2),
            ]
        )
    return out.getvalue().encode()


def request(method: str, path: str, body: bytes | None = None, ctype: str = "application/json", timeout: float = 60):
    req = urllib.request.Request(BASE + path, data=body, method=method, headers={"content-type": ctype})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.read()


def healthy() -> bool:
    try:
        return json.loads(request("GET", "/healthz", timeout=2)).get("status") == "SERVING"
    except (OSError, urllib.error.URLError, ValueError):
        return False


def print_table(schema: list[dict], rows: list[list]) -> None:
    names = [c["name"] for c in schema] or ["value"]
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max(len(n), *(len(r[i]) for r in cells)) if cells else len(n) for i, n in enumerate(names)]
    print("  " + " | ".join(n.ljust(w) for n, w in zip(names, widths)))
    print("  " + "-+-".join("-" * w for w in widths))
    for row in cells:
        print("  " + " | ".join(v.ljust(w) for v, w in zip(row, widths)))


def main() -> int:
    stack = None
    if not healthy():
        print("starting the stack (make run) ...", flush=True)
        stack = subprocess.Popen([sys.executable, str(ROOT / "scripts/run_stack.py")], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while not healthy():
            if time.monotonic() > deadline or stack.poll() is not None:
                print("the stack did not come up; run `make run` to see its logs", file=sys.stderr)
                return 1
            time.sleep(0.5)
    try:
        session = f"demo-{int(time.time())}"
        data = sales_csv()
        print(f"uploading sales.csv ({len(data) / 1e6:.1f} MB, 120,000 rows) into sessions/{session}")
        request("POST", f"/v1/sessions?session_id={session}", json.dumps({"display_name": "demo"}).encode())
        request("POST", f"/v1/sessions/{session}/datasets:upload?filename=sales.csv&select=true", data, "text/csv")
        for question in QUESTIONS:
            print(f"\n=== {question}")
            body = json.dumps({"prompt": question, "framework": "SPARK"}).encode()
            try:
                result = json.loads(request("POST", f"/v1/sessions/{session}:generate", body, timeout=600))
            except urllib.error.HTTPError as err:
                print(f"  refused: {json.loads(err.read()).get('message')}")
                continue
            if not result.get("success"):
                print(f"  failed: {result.get('error')}")
                continue
            print("--- code")
            print("\n".join("  " + line for line in result["code"].splitlines()))
            manifest = result.get("manifest", {})
            print(f"--- result ({manifest.get('row_count', 0)} rows, attempts: {len(result.get('attempts', []))})")
            print_table(manifest.get("schema", []), manifest.get("preview_rows", [])[:20])
    finally:
        if stack is not None:
            stack.send_signal(signal.SIGINT)
            stack.wait(timeout=60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

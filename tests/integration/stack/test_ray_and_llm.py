"""Issue 4 through the whole stack (Ray questions, differential against Spark, the seed's Ray
routes) and issue 3's LLM path (a scripted OpenAI-compatible server: runtime failure → repair)."""

from __future__ import annotations

import json

import pytest
from stack_support import DF, SESSION, request
from test_spark_questions import CASES, check

pytestmark = [pytest.mark.integration, pytest.mark.ray]

# The differential set: one Spark question per shape of plan (grouping, counts, dates, top-N,
# filters), asked for Ray as well through the whole stack. Each Ray question is a Ray job (a driver
# process, ~15 s on 2 cores), so `make test` keeps this set small: the Ray Data code of every
# offline question also runs in-process in tests/integration/codegen/test_offline_engines.py, and
# `make eval` asks every eval question on both engines.
_RAY_SHAPES = {
    "average amount by region",
    "how many rows",
    "total amount by month",
    "top 3 products by total amount",
    "rows where amount between 10 and 11",
    "total amount by region where product contains 'dg'",
}
RAY_CASES = [c for c in CASES if c[0] in _RAY_SHAPES]
assert len(RAY_CASES) == len(_RAY_SHAPES)


@pytest.fixture
def session(sales_session):
    return sales_session


@pytest.mark.parametrize("question,expected,ordered", RAY_CASES, ids=[c[0] for c in RAY_CASES])
def test_ray_question_matches_pandas_and_spark(session, question, expected, ordered):
    answers = {}
    for framework in ("RAY", "SPARK"):
        body = json.dumps({"prompt": question, "framework": framework}).encode()
        status, raw = request(session, "POST", f"/v1/sessions/{SESSION}:generate", body)
        assert status == 200, (framework, raw[:500])
        answers[framework] = json.loads(raw)
        check(answers[framework], f"{framework}: {question}", expected(), ordered)
    assert "import ray" in answers["RAY"]["code"] and "pyspark" in answers["SPARK"]["code"]


def test_seed_ray_routes(session):
    import time

    deadline = time.monotonic() + 120  # the supervisor's local head starts in the background
    while True:
        status, raw = request(session, "GET", "/ray/status", ctype=None)
        assert status == 200, raw
        cluster = json.loads(raw)
        if cluster["status"] == "connected" or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert cluster["status"] == "connected" and cluster["ray_version"].startswith("2.")
    body = json.dumps({"prompt": "how many rows", "session_id": SESSION}).encode()  # seed default: Ray
    status, raw = request(session, "POST", "/generate", body)
    assert status == 200, raw[:500]
    result = json.loads(raw)
    assert result["success"] and result["manifest"]["preview_rows"] == [[1500]]
    job = result["job"]
    status, raw = request(session, "GET", "/ray/jobs", ctype=None)
    assert status == 200 and job in [j["name"] for j in json.loads(raw)["ray_jobs"]]
    # execute-only with edited code (seed POST /execute)
    code = 'import ray\nds = ray.data.read_csv(inputs["sales"])\nresult = ds.count()\n'
    status, raw = request(session, "POST", "/execute", json.dumps({"code": code, "session_id": SESSION}).encode())
    assert status == 200, raw[:500]
    executed = json.loads(raw)
    assert executed["success"] and len(executed["attempts"]) == 1
    # stopping a finished job returns it unchanged (terminal states are final)
    assert job.startswith("rayJobs/")
    job_id = job.split("/")[-1]
    status, raw = request(session, "POST", f"/ray/jobs/{job_id}/stop", b"{}")
    assert status == 200 and json.loads(raw)["state"] == "SUCCEEDED", raw[:300]


def test_spark_seed_routes(session):
    status, raw = request(session, "GET", "/spark/config", ctype=None)
    assert status == 200 and json.loads(raw)["result_preview_rows"] == 100, raw
    code = (
        "from pyspark.sql import functions as F\n"
        'df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)\n'
        'result = df.groupBy("region").agg(F.count("*").alias("n"))\n'
    )
    body = json.dumps({"spark_code": code, "session_id": SESSION}).encode()
    status, raw = request(session, "POST", "/spark/validate-execute", body)
    assert status == 200, raw[:500]
    result = json.loads(raw)
    assert result["success"] and int(result["manifest"]["row_count"]) == 4
    # results page through the manifest
    status, raw = request(session, "GET", f"/v1/{result['job']}/result/rows?page_size=3", ctype=None)
    page = json.loads(raw)
    assert status == 200 and len(page["rows"]) == 3 and page["next_page_token"] and page["total_row_count"] == "4"
    status, raw = request(session, "GET", f"/v1/{result['job']}/result/rows?page_size=3&page_token={page['next_page_token']}", ctype=None)
    assert status == 200 and len(json.loads(raw)["rows"]) == 1
    status, raw = request(session, "GET", f"/v1/{result['job']}:export", ctype=None)
    assert status == 200 and b"SparkSession" in raw and b"getOrCreate" in raw
    # rejected code never runs
    bad = "import os\nresult = os.environ\n"
    status, raw = request(session, "POST", "/spark/validate-execute", json.dumps({"spark_code": bad, "session_id": SESSION}).encode())
    assert status == 200
    rejected = json.loads(raw)
    assert not rejected["success"] and rejected["error_class"] == "VALIDATION" and not rejected.get("job")


GOOD = (
    "```python\n# average amount per region\nfrom pyspark.sql import functions as F\n"
    'df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)\n'
    'result = df.groupBy("region").agg(F.avg("amount").alias("avg_amount"))\n```'
)
BROKEN = GOOD.replace('groupBy("region")', 'groupBy("regoin")')


def test_llm_runtime_failure_is_repaired_and_visible_as_events(session, fake_llm):
    from fake_llm import openai_text

    fake_llm.openai.extend([openai_text(BROKEN), openai_text(GOOD)])
    before = len(fake_llm.of("openai"))
    body = json.dumps({"prompt": "average amount by region please", "framework": "SPARK", "provider": "openai"}).encode()
    status, raw = request(session, "POST", f"/v1/sessions/{SESSION}:ask", body)
    assert status == 200, raw[:500]
    events = [json.loads(line)["result"] for line in raw.decode().splitlines() if line.strip()]
    stages = [e["stage"] for e in events]
    assert "REPAIR" in stages, stages
    result = events[-1]["result"]
    assert result["success"] and len(result["attempts"]) == 2
    assert result["attempts"][0]["error_class"] == "CODE"
    check(result, "repaired", DF.groupby("region", as_index=False).agg(avg_amount=("amount", "mean")), False)
    repair_prompt = fake_llm.of("openai")[before + 1].prompt_text()
    assert "regoin" in repair_prompt  # the failing code and its error went back to the model


@pytest.mark.parametrize(
    "reply,reason",
    [
        ("I would compute the average per region.", "NO_CODE_BLOCK"),
        (GOOD + "\n\n" + GOOD, "MULTIPLE_CODE_BLOCKS"),
    ],
)
def test_llm_replies_without_one_code_block_fail_clearly(session, fake_llm, reply, reason):
    from fake_llm import openai_text

    fake_llm.openai.append(openai_text(reply))
    body = json.dumps({"prompt": "average amount by region", "framework": "SPARK", "provider": "openai"}).encode()
    status, raw = request(session, "POST", f"/v1/sessions/{SESSION}:generate", body)
    assert status == 400, raw[:300]
    assert reason in raw.decode()


def test_seed_execute_with_a_new_session_id_runs_calculation_only_code(session):
    """Seed clients invent session ids: the session is created on first use, with no inputs."""
    code = "import ray\n\n@ray.remote\ndef square(x):\n    return x * x\n\nresult = sum(ray.get([square.remote(i) for i in range(10)]))\n"
    body = json.dumps({"code": code, "session_id": "seed-browser-7f3a"}).encode()
    status, raw = request(session, "POST", "/execute", body)
    assert status == 200, raw[:500]
    result = json.loads(raw)
    assert result["success"], result.get("error")
    assert result["manifest"]["scalar"] == 285
    status, raw = request(session, "GET", "/history/seed-browser-7f3a", ctype=None)
    assert status == 200 and json.loads(raw)["entries"][0]["kind"] == "RUN"

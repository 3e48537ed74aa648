"""Cross-principal access: every id-bearing method answers NOT_FOUND for another principal's
session, dataset, upload, upload table, history, job or result — with the same status, reason
and message shape as an id that does not exist (SelectTables, which creates a missing session
for seed clients, answers NOT_FOUND for another's) — over REST (the gateway app, forwarding job
calls to a real spark-supervisor servicer on a real grpc.aio server that checks the service
token) and over gRPC. Lists show only the caller's resources; an admin sees everything.

The backend runs the real SparkSupervisorServicer, JobService, JobManager and SQLite JobStore;
only the engine is a stand-in (it "runs" a job instantly with a fixed one-row result) because
the ownership rules sit above the engine and a real Spark run would add ~20 s for nothing.
"""

from __future__ import annotations

import asyncio
import json

import grpc
import pytest
import pytest_asyncio
from _auth_support import gateway, make_api_keys, make_gate, rest_reason, status_of

from codeinterp.gateway.v1 import session_service_pb2, session_service_pb2_grpc
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2 as spb
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2_grpc as spark_grpc
from codeinterp_common.auth import PRINCIPAL_KEY, ROLES_KEY, SERVICE_TOKEN_KEY
from codeinterp_common.clients import insecure_channel
from codeinterp_common.config import ServerSettings
from codeinterp_common.jobs.manager import JobManager
from codeinterp_common.jobs.model import RunOutcome
from codeinterp_common.jobs.service import JobService
from codeinterp_common.jobs.store import JobStore
from codeinterp_common.server import ServiceSpec, build_server
from codeinterp_spark_supervisor.servicer import DOMAIN, SERVICE, SparkSupervisorServicer

TOKEN = "backend-token-for-tests"
CODE = 'from pyspark.sql import functions as F\nresult = spark.range(1).select(F.col("id").alias("x"))\n'


class InstantEngine:
    """Stand-in engine (see the module docstring)."""

    platform = "LOCAL"

    async def run(self, job, on_log):
        on_log("stdout", "ran")
        manifest = {
            "schema": [{"name": "x", "type": "long"}],
            "row_count": 1,
            "preview_rows": [[1]],
            "complete": True,
        }
        return RunOutcome(ok=True, manifest=manifest)

    async def cancel(self, job_id):
        return False

    async def reattach(self, job, on_log):
        return None


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("own")
    keys = make_api_keys(
        root,
        {
            "alice": ("alice", ["analyst"], False),
            "bob": ("bob", ["analyst"], False),
            "root": ("root", ["admin"], False),
        },
    )
    store = JobStore(root / "jobs.db")
    engine = InstantEngine()
    manager = JobManager(store, lambda _job: engine, id_prefix="spark")

    async def no_codegen(_request):
        raise AssertionError("not used")

    jobs = JobService("spark", manager, no_codegen, choose_platform=lambda _p, _i: ("LOCAL", ""))
    servicer = SparkSupervisorServicer(
        jobs,
        export=lambda code, inputs: f"# exported\n{code}",
        platform_status=spb.PlatformStatus,
        spark_config=spb.SparkConfig,
    )
    settings = ServerSettings(host="127.0.0.1", grpc_port=0, service_token=TOKEN, shutdown_grace_s=0.5)
    spec = ServiceSpec(servicer, spark_grpc.add_SparkSupervisorServiceServicer_to_server, SERVICE.full_name)
    backend = await build_server(settings, [spec], domain=DOMAIN, port=0)
    await backend.set_serving(True)
    channel = insecure_channel(f"127.0.0.1:{backend.port}", service_token=TOKEN)
    async with gateway(
        root / "gw", make_gate(api_keys=keys), backend_channels={SERVICE.full_name: channel}
    ) as gw:
        yield gw, keys, backend.port
    await channel.close()
    await backend.shutdown(0)
    await manager.close()
    store.close()


def _h(keys, who: str) -> dict[str, str]:
    return {"x-api-key": keys.keys[who]}


async def _alice_resources(gw, keys) -> dict[str, str]:
    """alice's session, dataset, upload, upload table, history entry and finished job."""
    alice = _h(keys, "alice")
    s = await gw.http.post("/v1/sessions", json={"display_name": "alice's"}, headers=alice)
    assert s.status_code == 200, s.text
    session = s.json()["name"]
    d = await gw.http.post(
        f"/v1/{session}/datasets",
        json={"filename": "sales.csv", "content": "region,amount\nEast,1\n"},
        headers=alice,
    )
    assert d.status_code == 200, d.text
    u = await gw.http.post(f"/v1/{session}/uploads", json={"filename": "more.csv"}, headers=alice)
    assert u.status_code == 200, u.text
    j = await gw.http.post("/v1/sparkJobs", json={"code": CODE, "session": session}, headers=alice)
    assert j.status_code == 200, j.text
    job = j.json()["name"]
    for _ in range(200):
        state = (await gw.http.get(f"/v1/{job}", headers=alice)).json()["state"]
        if state == "SUCCEEDED":
            break
        await asyncio.sleep(0.02)
    assert state == "SUCCEEDED"
    assert j.json()["labels"]["owner"] == "alice"
    table = d.json()["table"]
    return {
        "session": session,
        "dataset": d.json()["name"],
        "upload": u.json()["name"],
        "table": f"databases/{table['database']}/tables/{table['table']}",
        "job": job,
    }


def _requests(r: dict[str, str]) -> list[tuple[str, str, str, object]]:
    """(label, verb, path, json body) for every id-bearing REST method."""
    s, ds, up, tb, job = r["session"], r["dataset"], r["upload"], r["table"], r["job"]
    return [
        ("GetSession", "GET", f"/v1/{s}", None),
        ("UpdateSession", "PATCH", f"/v1/{s}?update_mask=display_name", {"display_name": "x"}),
        ("DeleteSession", "DELETE", f"/v1/{s}", None),
        ("ResetSession", "POST", f"/v1/{s}:reset", {}),
        ("ListHistory", "GET", f"/v1/{s}/history", None),
        ("CreateDataset", "POST", f"/v1/{s}/datasets", {"filename": "b.csv", "content": "a\n1\n"}),
        ("CreateDatasetUpload", "POST", f"/v1/{s}/uploads", {"filename": "b.csv"}),
        ("CommitDatasetUpload", "POST", f"/v1/{up}:commit", {}),
        ("GetDataset", "GET", f"/v1/{ds}", None),
        ("ListDatasets", "GET", f"/v1/{s}/datasets", None),
        ("DeleteDataset", "DELETE", f"/v1/{ds}", None),
        ("GetTable", "GET", f"/v1/{tb}", None),
        ("Ask", "POST", f"/v1/{s}:ask", {"prompt": "count rows"}),
        ("Generate", "POST", f"/v1/{s}:generate", {"prompt": "count rows"}),
        ("Execute", "POST", f"/v1/{s}:execute", {"code": CODE}),
        ("GetSparkJob", "GET", f"/v1/{job}", None),
        ("CancelSparkJob", "POST", f"/v1/{job}:cancel", {}),
        ("WatchSparkJob", "GET", f"/v1/{job}:watch", None),
        ("ListResultRows", "GET", f"/v1/{job}/result/rows", None),
        ("ExportSparkJob", "GET", f"/v1/{job}:export", None),
    ]


def _missing(r: dict[str, str]) -> dict[str, str]:
    """Ids of the same shape that do not exist."""
    out = {}
    for k, v in r.items():
        head, _, last = v.rpartition("/")
        out[k] = f"{head}/{'zz' + last[2:]}" if k != "dataset" and k != "upload" else v
    sid = out["session"].split("/")[1]
    out["dataset"] = f"sessions/{sid}/datasets/{r['dataset'].rsplit('/', 1)[1]}"
    out["upload"] = f"sessions/{sid}/uploads/{r['upload'].rsplit('/', 1)[1]}"
    return out


def _shape(body: dict, ids: dict[str, str]) -> tuple:
    """(code, reason, message, metadata) with the ids replaced by placeholders."""
    text = json.dumps(body, sort_keys=True)
    for key, value in sorted(ids.items(), key=lambda kv: -len(kv[1])):
        for form in (value, value.split("/", 1)[1] if "/" in value else value, value.rsplit("/", 1)[-1]):
            text = text.replace(form, f"<{key}>")
    return json.loads(text)["code"], rest_reason(body), text


async def _send(gw, verb, path, body, headers):
    return await gw.http.request(verb, path, json=body, headers=headers)


async def test_another_principals_ids_answer_exactly_like_missing_ones(stack):
    gw, keys, _ = stack
    mine = await _alice_resources(gw, keys)
    missing = _missing(mine)
    bob = _h(keys, "bob")
    problems = []
    for label, verb, path, body in _requests(mine):
        theirs = await _send(gw, verb, path, body, bob)
        label_missing = next(p for lbl, _, p, _ in _requests(missing) if lbl == label)
        absent = await _send(gw, verb, label_missing, body, bob)
        if theirs.status_code != 404:
            problems.append((label, "other's id", theirs.status_code, theirs.text[:200]))
            continue
        if absent.status_code != 404:
            problems.append((label, "missing id", absent.status_code, absent.text[:200]))
            continue
        if (
            _shape(theirs.json(), mine)[:2] != _shape(absent.json(), missing)[:2]
            or _shape(theirs.json(), mine)[2] != _shape(absent.json(), missing)[2]
        ):
            problems.append((label, theirs.text[:200], absent.text[:200]))
    assert not problems, problems
    # SelectTables creates a missing session (seed semantics), so only "another's" can be compared:
    # it answers NOT_FOUND like GetSession of a missing id.
    other = await gw.http.post(f"/v1/{mine['session']}:selectTables", json={}, headers=bob)
    gone = await gw.http.get(f"/v1/{missing['session']}", headers=bob)
    assert other.status_code == gone.status_code == 404
    assert _shape(other.json(), mine)[2] == _shape(gone.json(), missing)[2]
    # alice still has everything, untouched by bob's attempts
    alice = _h(keys, "alice")
    for label, verb, path, _ in _requests(mine):
        if verb == "GET" and label not in ("WatchSparkJob",):
            r = await gw.http.get(path, headers=alice)
            assert r.status_code == 200, (label, r.text)


async def test_lists_show_only_the_callers_resources_and_admin_sees_all(stack):
    gw, keys, _ = stack
    mine = await _alice_resources(gw, keys)
    bob, alice, root = _h(keys, "bob"), _h(keys, "alice"), _h(keys, "root")
    await gw.http.post("/v1/sessions", json={"display_name": "bob's"}, headers=bob)

    def names(r, field):
        assert r.status_code == 200, r.text
        return [x["name"] for x in r.json().get(field, [])]

    assert mine["session"] not in names(await gw.http.get("/v1/sessions", headers=bob), "sessions")
    assert mine["session"] in names(await gw.http.get("/v1/sessions", headers=alice), "sessions")
    assert mine["session"] in names(await gw.http.get("/v1/sessions", headers=root), "sessions")
    bob_sessions = (await gw.http.get("/v1/sessions", headers=bob)).json()["sessions"]
    assert {s.get("display_name", s.get("displayName")) for s in bob_sessions} == {"bob's"}

    assert mine["job"] not in names(await gw.http.get("/v1/sparkJobs", headers=bob), "spark_jobs")
    assert mine["job"] in names(await gw.http.get("/v1/sparkJobs", headers=alice), "spark_jobs")
    assert mine["job"] in names(await gw.http.get("/v1/sparkJobs", headers=root), "spark_jobs")

    table = mine["table"].rsplit("/", 1)[1]
    listed = lambda r: [t["name"].rsplit("/", 1)[1] for t in r.json().get("tables", [])]  # noqa: E731
    assert table not in listed(await gw.http.get("/v1/databases/uploads/tables", headers=bob))
    assert table in listed(await gw.http.get("/v1/databases/uploads/tables", headers=alice))
    # bob cannot select alice's upload table into his own session either
    s = (await gw.http.post("/v1/sessions", json={}, headers=bob)).json()["name"]
    r = await gw.http.post(
        f"/v1/{s}:selectTables", json={"tables": [{"database": "uploads", "table": table}]}, headers=bob
    )
    assert r.status_code == 404 and rest_reason(r.json()) == "TABLE_NOT_FOUND", r.text
    # nor name her dataset as an explicit input of a question in his session: refused by name
    # (before any lookup), exactly like a dataset of a session that does not exist
    for name in (mine["dataset"], "sessions/zz-nobody/datasets/sales"):
        r = await gw.http.post(
            f"/v1/{s}:generate", json={"prompt": "count", "data_sources": [{"dataset": name}]}, headers=bob
        )
        assert r.status_code == 400 and rest_reason(r.json()) == "DATASET_OF_OTHER_SESSION", r.text
    # the admin reads alice's job and result
    assert (await gw.http.get(f"/v1/{mine['job']}/result/rows", headers=root)).status_code == 200


async def test_grpc_paths_hide_other_principals_too(stack):
    gw, keys, port = stack
    mine = await _alice_resources(gw, keys)
    sessions = session_service_pb2_grpc.SessionServiceStub(gw.channel)
    md = (("x-api-key", keys.keys["bob"]),)
    for name in (mine["session"], "sessions/zz-missing-session"):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await sessions.GetSession(
                session_service_pb2.GetSessionRequest(name=name), metadata=md, timeout=10
            )
        code, err, _ = status_of(info.value)
        assert (code, err.reason) == (grpc.StatusCode.NOT_FOUND, "SESSION_NOT_FOUND")
    # straight to the backend, as the gateway forwards a principal
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = spark_grpc.SparkSupervisorServiceStub(ch)
        as_bob = ((SERVICE_TOKEN_KEY, TOKEN), (PRINCIPAL_KEY, "bob"), (ROLES_KEY, "analyst"))
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.GetSparkJob(spb.GetSparkJobRequest(name=mine["job"]), metadata=as_bob, timeout=10)
        assert status_of(info.value)[1].reason == "JOB_NOT_FOUND"
        with pytest.raises(grpc.aio.AioRpcError) as info:
            async for _ in stub.WatchSparkJob(
                spb.WatchSparkJobRequest(name=mine["job"]), metadata=as_bob, timeout=10
            ):
                pass
        assert status_of(info.value)[1].reason == "JOB_NOT_FOUND"
        as_alice = ((SERVICE_TOKEN_KEY, TOKEN), (PRINCIPAL_KEY, "alice"), (ROLES_KEY, "analyst"))
        job = await stub.GetSparkJob(spb.GetSparkJobRequest(name=mine["job"]), metadata=as_alice, timeout=10)
        assert job.labels["owner"] == "alice"


async def test_owner_label_cannot_be_forged_and_request_ids_are_per_principal(stack):
    gw, keys, _ = stack
    bob = _h(keys, "bob")
    r = await gw.http.post(
        "/v1/sparkJobs?request_id=shared-key-1",
        json={"code": CODE, "labels": {"owner": "alice"}},
        headers=bob,
    )
    assert r.status_code == 200, r.text
    assert r.json()["labels"]["owner"] == "bob"
    again = await gw.http.post(
        "/v1/sparkJobs?request_id=shared-key-1", json={"code": CODE}, headers=_h(keys, "alice")
    )
    assert again.status_code != 200 or again.json()["name"] != r.json()["name"], again.text
    # sessions: the same request id from two principals creates two sessions
    a = await gw.http.post(
        "/v1/sessions?request_id=rq-1", json={"display_name": "d"}, headers=_h(keys, "alice")
    )
    b = await gw.http.post("/v1/sessions?request_id=rq-1", json={"display_name": "d"}, headers=bob)
    assert a.status_code == b.status_code == 200
    assert a.json()["name"] != b.json()["name"]

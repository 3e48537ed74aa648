"""The IAM documents under deploy/iam: valid, least privilege, no S3 wildcards."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

IAM = Path(__file__).resolve().parents[3] / "deploy" / "iam"
POLICIES = sorted(IAM.glob("*-policy.json"))
TRUSTS = sorted(IAM.glob("*-trust.json"))
PLACEHOLDER = re.compile(r"\$\{([A-Za-z]+)\}")


def _statements(path: Path) -> list[dict]:
    doc = json.loads(path.read_text())
    assert doc["Version"] == "2012-10-17"
    return doc["Statement"]


def _list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def test_every_workload_has_a_policy():
    names = {p.name for p in POLICIES} | {p.name for p in TRUSTS}
    assert names == {
        "gateway-policy.json",
        "spark-supervisor-policy.json",
        "codegen-policy.json",
        "lambda-function-role-policy.json",
        "lambda-function-role-trust.json",
        "emr-execution-role-policy.json",
        "emr-execution-role-trust.json",
    }


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_no_wildcard_actions_or_resources(path):
    for st in _statements(path):
        assert st["Effect"] == "Allow" and "NotAction" not in st and "NotResource" not in st
        actions, resources = _list(st["Action"]), _list(st["Resource"])
        assert all(a != "*" and not a.endswith(":*") for a in actions), st["Sid"]
        assert all(r != "*" for r in resources), st["Sid"]
        if any(a.startswith("s3:") for a in actions):
            for r in resources:
                assert r.startswith("arn:aws:s3:::"), (st["Sid"], r)
                bucket, _, key = r[len("arn:aws:s3:::") :].partition("/")
                assert "*" not in bucket, (st["Sid"], r)
                if key:  # object ARNs stay under a fixed prefix
                    assert not key.startswith("*"), (st["Sid"], r)
                elif "s3:ListBucket" in actions:  # a bucket ARN is only listable with a prefix condition
                    assert st["Condition"]["StringLike"]["s3:prefix"], st["Sid"]


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_service_bucket_access_is_under_the_prefix(path):
    for st in _statements(path):
        for r in _list(st["Resource"]):
            if r.startswith("arn:aws:s3:::${Bucket}/"):
                assert r.startswith("arn:aws:s3:::${Bucket}/${Prefix}/"), r


def _actions(name: str) -> set[str]:
    return {a for st in _statements(IAM / name) for a in _list(st["Action"])}


def test_each_service_gets_only_its_own_apis():
    assert {a.split(":")[0] for a in _actions("gateway-policy.json")} == {"s3", "glue"}
    assert not any(a.startswith("glue:") and not a.startswith("glue:Get") for a in _actions("gateway-policy.json"))
    assert {a.split(":")[0] for a in _actions("codegen-policy.json")} == {"bedrock"}
    supervisor = _actions("spark-supervisor-policy.json")
    assert {"lambda:InvokeFunction", "emr-serverless:StartJobRun", "emr-serverless:GetJobRun",
            "emr-serverless:CancelJobRun", "iam:PassRole"} <= supervisor
    assert not any(a.startswith("bedrock:") for a in supervisor)
    for runner in ("lambda-function-role-policy.json", "emr-execution-role-policy.json"):
        assert {a.split(":")[0] for a in _actions(runner)} == {"s3", "glue", "logs"}


def test_pass_role_is_for_the_execution_role_and_emr_only():
    for st in _statements(IAM / "spark-supervisor-policy.json"):
        if "iam:PassRole" in _list(st["Action"]):
            assert _list(st["Action"]) == ["iam:PassRole"]
            assert st["Resource"] == ["arn:aws:iam::${AccountId}:role/${EmrExecutionRole}"]
            assert st["Condition"]["StringEquals"]["iam:PassedToService"] == "emr-serverless.amazonaws.com"


def test_codegen_models_match_the_model_list():
    from codeinterp_codegen.config import DEFAULT_BEDROCK_MODELS

    resources = [r for st in _statements(IAM / "codegen-policy.json") for r in _list(st["Resource"])]
    profiles = {r.rsplit("/", 1)[1] for r in resources if ":inference-profile/" in r}
    assert profiles == {m for m, _ in DEFAULT_BEDROCK_MODELS}


@pytest.mark.parametrize("path", TRUSTS, ids=lambda p: p.name)
def test_trust_policies_name_one_service_and_this_account(path):
    (st,) = _statements(path)
    assert st["Action"] == "sts:AssumeRole" and st["Principal"]["Service"].endswith(".amazonaws.com")
    assert st["Condition"]["StringEquals"]["aws:SourceAccount"] == "${AccountId}"


def test_placeholders_are_documented():
    readme = (IAM / "README.md").read_text()
    used = {m for p in POLICIES + TRUSTS for m in PLACEHOLDER.findall(p.read_text())}
    assert used and all(f"${{{name}}}" in readme for name in used), used

"""Settings: defaults, masks (global/global_settings), range checks, persistence, gRPC errors."""
# ruff: noqa: F811 - fixtures are imported from _gw_support and requested by name

from __future__ import annotations

import grpc
import pytest
from _gw_support import SECRET, FakeContext, clock, gw, rich_status, serve  # noqa: F401
from google.protobuf import field_mask_pb2

from codeinterp.common.v1 import types_pb2
from codeinterp.gateway.v1 import settings_service_pb2 as pb
from codeinterp.gateway.v1 import settings_service_pb2_grpc
from codeinterp_common.errors import InvalidArgument
from codeinterp_gateway.domain import settings as sd
from codeinterp_gateway.wiring import build_gateway_services


async def test_defaults(gw):
    s = await gw.settings_servicer.GetSettings(pb.GetSettingsRequest(), FakeContext())
    assert s.name == "settings"
    assert s.global_settings.llm_provider == "offline"
    assert s.global_settings.bedrock_model == "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert s.global_settings.bedrock_region == "us-east-1"
    assert s.global_settings.default_framework == types_pb2.SPARK
    assert (s.global_settings.max_attempts, s.global_settings.max_prompt_chars) == (3, 4000)
    assert (s.global_settings.max_upload_mb, s.global_settings.job_timeout_seconds) == (100, 120)
    assert (s.spark.max_retries, s.spark.file_size_threshold_mb, s.spark.result_preview_rows) == (3, 500, 100)
    assert (s.spark.presigned_url_expiry_hours, s.spark.lambda_timeout_seconds, s.spark.emr_timeout_minutes) == (
        24, 300, 60)
    assert s.spark.default_platform == types_pb2.AUTO
    assert s.ray.entrypoint_num_cpus == 1.0
    assert gw.settings.current().global_.max_upload_mb == 100


async def test_update_with_mask_both_spellings_and_persisted(gw, tmp_path, clock):
    req = pb.UpdateSettingsRequest(
        settings=pb.Settings(global_settings=pb.GlobalSettings(max_attempts=5, max_upload_mb=7),
                             spark=pb.SparkSettings(max_retries=4, lambda_timeout_seconds=999)),
        update_mask=field_mask_pb2.FieldMask(paths=["global.max_attempts", "global_settings.max_upload_mb",
                                                    "spark.max_retries"]),
    )
    s = await gw.settings_servicer.UpdateSettings(req, FakeContext())
    assert (s.global_settings.max_attempts, s.global_settings.max_upload_mb, s.spark.max_retries) == (5, 7, 4)
    assert s.spark.lambda_timeout_seconds == 300  # not in the mask: unchanged
    assert s.update_time.seconds > 0
    assert gw.settings.current().max_upload_bytes == 7 * 1024 * 1024
    gw.close()
    again = build_gateway_services(tmp_path / "data", None, "http://x", SECRET, clock)
    assert again.settings.current().spark.max_retries == 4
    again.close()


async def test_empty_mask_means_every_set_field(gw):
    req = pb.UpdateSettingsRequest(settings=pb.Settings(
        spark=pb.SparkSettings(default_platform=types_pb2.EMR), ray=pb.RaySettings(address="http://127.0.0.1:8266")))
    s = await gw.settings_servicer.UpdateSettings(req, FakeContext())
    assert s.spark.default_platform == types_pb2.EMR_SERVERLESS
    assert s.ray.address == "http://127.0.0.1:8266"
    assert s.global_settings.max_attempts == 3


def test_range_checks_collect_every_violation(gw):
    with pytest.raises(InvalidArgument) as exc:
        gw.settings.update({"global.max_attempts": 0, "spark.presigned_url_expiry_hours": 1000,
                            "global.llm_provider": "gpt", "global.max_upload_mb": 10})
    fields = {v.field for v in exc.value.field_violations}
    assert fields == {"settings.global_settings.max_attempts", "settings.spark.presigned_url_expiry_hours",
                      "settings.global_settings.llm_provider"}
    assert gw.settings.current().global_.max_upload_mb == 100  # all or nothing


def test_mask_paths():
    assert sd.expand_mask(["global_settings.max_attempts", "name"]) == ["global.max_attempts"]
    assert "ray.address" in sd.expand_mask(["ray"])
    assert len(sd.expand_mask(["*"])) == len(sd.FIELDS)
    with pytest.raises(InvalidArgument) as exc:
        sd.expand_mask(["spark.nope"])
    assert exc.value.reason == "SETTINGS_PATH_UNKNOWN"


async def test_restore_defaults(gw):
    gw.settings.update({"spark.max_retries": 9})
    s = await gw.settings_servicer.RestoreDefaultSettings(pb.RestoreDefaultSettingsRequest(), FakeContext())
    assert s.spark.max_retries == 3 and gw.settings.current().spark.max_retries == 3


async def test_grpc_invalid_update_has_bad_request(gw):
    async with serve(gw) as channel:
        stub = settings_service_pb2_grpc.SettingsServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.UpdateSettings(pb.UpdateSettingsRequest(
                settings=pb.Settings(global_settings=pb.GlobalSettings(max_attempts=50)),
                update_mask=field_mask_pb2.FieldMask(paths=["global.max_attempts"])))
        assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        info, bad = rich_status(exc.value)
        assert info.reason == "SETTINGS_INVALID" and info.domain == "gateway.codeinterp.dev"
        assert [v.field for v in bad.field_violations] == ["settings.global_settings.max_attempts"]
        ok = await stub.GetSettings(pb.GetSettingsRequest())
        assert ok.global_settings.max_attempts == 3

"""The whole stack as `make run` starts it (four processes), on free ports, once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from stack_support import DF, SESSION, Stack, free_port, request, write_catalog

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures"))
from fake_llm import FakeLLM  # noqa: E402


@pytest.fixture(scope="session")
def fake_llm():
    """A loopback server speaking the OpenAI chat-completions wire format, scripted per test."""
    with FakeLLM() as fake:
        yield fake


@pytest.fixture(scope="session")
def stack(fake_llm):
    # Not under pytest's tmp dir: that is 0700 root, and the Spark engine runs as an
    # unprivileged user who must be able to reach its own directories.
    import shutil
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp(prefix="codeinterp-stack-"))
    root.chmod(0o711)
    stack = Stack(root)
    stack.start(
        "codegen",
        "codeinterp_codegen",
        stack.ports["codegen"],
        {"CODEINTERP_OPENAI_BASE_URL": fake_llm.url + "/v1", "CODEINTERP_OPENAI_MODEL": "fake-coder"},
    )
    stack.start("spark-supervisor", "codeinterp_spark_supervisor", stack.ports["spark"])
    stack.start(
        "ray-supervisor",
        "codeinterp_ray_supervisor",
        stack.ports["ray"],
        {
            "CODEINTERP_RAY_DASHBOARD_PORT": str(free_port()),
            "CODEINTERP_RAY_GCS_PORT": str(free_port()),
            "CODEINTERP_RAY_CLIENT_PORT": str(free_port()),
            "CODEINTERP_RAY_DASHBOARD_AGENT_PORT": str(free_port()),
            "CODEINTERP_RAY_NUM_CPUS": "2",
            "CODEINTERP_RAY_OBJECT_STORE_MB": "512",
        },
    )
    catalog = stack.tmp / "catalog"
    write_catalog(catalog)
    stack.start("gateway", "codeinterp_gateway", stack.ports["gateway"], {"CODEINTERP_CATALOG_DIR": str(catalog)})
    try:
        stack.wait_healthy()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def sales_session(stack):
    """One session with the sales CSV uploaded and selected, shared by every stack test module."""
    status, raw = request(stack, "POST", "/v1/sessions?session_id=" + SESSION, b"{}")
    assert status == 200, raw
    csv = DF.to_csv(index=False).encode()
    status, raw = request(stack, "POST", f"/v1/sessions/{SESSION}/datasets:upload?filename=sales.csv&select=true", csv, "text/csv")
    assert status == 200, raw
    return stack

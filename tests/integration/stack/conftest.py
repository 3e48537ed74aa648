"""The whole stack as `make run` starts it (four processes), on free ports, once per session."""

from __future__ import annotations

import pytest
from stack_support import Stack, write_catalog


@pytest.fixture(scope="session")
def stack():
    # Not under pytest's tmp dir: that is 0700 root, and the Spark engine runs as an
    # unprivileged user who must be able to reach its own directories.
    import shutil
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp(prefix="codeinterp-stack-"))
    root.chmod(0o711)
    stack = Stack(root)
    stack.start("codegen", "codeinterp_codegen", stack.ports["codegen"])
    stack.start("spark-supervisor", "codeinterp_spark_supervisor", stack.ports["spark"])
    stack.start("ray-supervisor", "codeinterp_ray_supervisor", stack.ports["ray"])
    catalog = stack.tmp / "catalog"
    write_catalog(catalog)
    stack.start("gateway", "codeinterp_gateway", stack.ports["gateway"], {"CODEINTERP_CATALOG_DIR": str(catalog)})
    try:
        stack.wait_healthy()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)

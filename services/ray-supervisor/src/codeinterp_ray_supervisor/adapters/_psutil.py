"""psutil, which Ray vendors in `ray/thirdparty_files` (it is not a declared dependency of
ours): import it from there without importing all of Ray."""

from __future__ import annotations

import importlib.util
import os
import sys

try:
    import psutil  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    spec = importlib.util.find_spec("ray")
    if spec is None or not spec.submodule_search_locations:
        raise
    sys.path.append(os.path.join(list(spec.submodule_search_locations)[0], "thirdparty_files"))
    import psutil  # noqa: F401

__all__ = ["psutil"]

"""Servicers for methods whose domain lands in a later issue.

They answer UNIMPLEMENTED with ErrorInfo reason NOT_IMPLEMENTED_YET and the issue number,
so a caller knows exactly what is missing and when it arrives. Nothing is faked.
"""

from __future__ import annotations

from collections.abc import Mapping

from google.protobuf.descriptor import ServiceDescriptor

from codeinterp_common.errors import not_implemented_yet


def not_yet_servicer(base: type, service: ServiceDescriptor, issues: Mapping[str, int], domain: str) -> type:
    """A subclass of the generated `base` servicer whose listed methods raise UNIMPLEMENTED
    naming their issue. Methods not in `issues` keep the subclass's own implementation."""

    namespace: dict[str, object] = {}
    for method in service.methods:
        issue = issues.get(method.name)
        if issue is None:
            continue
        what = f"{service.name}.{method.name}"
        if method.server_streaming:

            def make_stream(what=what, issue=issue):
                async def stream(self, request, context):
                    raise not_implemented_yet(what, issue, domain=domain)
                    yield  # pragma: no cover - makes this an async generator

                return stream

            namespace[method.name] = make_stream()
        else:

            def make_unary(what=what, issue=issue):
                async def unary(self, request, context):
                    raise not_implemented_yet(what, issue, domain=domain)

                return unary

            namespace[method.name] = make_unary()
    return type(f"NotYet{base.__name__}", (base,), namespace)

"""Replaying a vendor's documented exchanges: shape comparison and a served stand-in that records requests.

Shared by the vendors' contract tests (tests/test_vendor_<vendor>.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx

from dataflow_qa.fakes.hub import no_wait
from dataflow_qa.systems.adapters.generic import GenericAdapter
from dataflow_qa.systems.config import build_adapters

Handler = Callable[[httpx.Request], httpx.Response]


def json_type(value: Any) -> str:
    """The JSON type of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def assert_shape(documented: Any, actual: Any, where: str = "body") -> None:
    """Every documented key is in ``actual`` with the same JSON type, recursively (a list by its first element)."""
    assert json_type(actual) == json_type(documented), f"{where}: {actual!r} is not like {documented!r}"
    if isinstance(documented, dict):
        for key, value in documented.items():
            assert key in actual, f"{where}: {key!r} missing from {sorted(actual)}"
            assert_shape(value, actual[key], f"{where}.{key}")
    elif isinstance(documented, list) and documented and actual:
        for index, item in enumerate(actual):
            assert_shape(documented[0], item, f"{where}[{index}]")


class Served:
    """Documented answers by (method, path pattern below ``mount``), and every request sent.

    ``mount`` is the path the routes are below: a system's id where fakes are mounted
    (``hubspot``), or an API's root in the vendor's own URLs (``api/v1``).
    """

    def __init__(self, mount: str, routes: dict[tuple[str, str], Handler]) -> None:
        self.mount = "/" + mount.strip("/")
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.split(self.mount, 1)[1]
        for (method, pattern), handler in self.routes.items():
            if method == request.method and re.fullmatch(pattern, path):
                return handler(request)
        return httpx.Response(500, text=f"no documented answer for {request.method} {path}")

    def sent(self, method: str) -> list[httpx.Request]:
        """The requests of one method, in order."""
        return [r for r in self.requests if r.method == method]


def documented(example: dict, **changes: Any) -> Handler:
    """A handler answering an example's documented response (top-level body keys replaced by ``changes``)."""
    response = example["response"]
    body = response["body"] if not changes else {**response["body"], **changes}
    content = b"" if body is None else json.dumps(body).encode()
    return lambda request: httpx.Response(response["status"], content=content, headers=response["headers"])


def profiled_adapter(served: Handler, fakes: Any, system: str, profile: Any,
                     page_size: int = 100) -> GenericAdapter:
    """The generic adapter of a profiled ``system``, built as the hub builds them (configuration, auth,
    HttpClient), served by ``served``; it must speak ``profile``."""
    built = build_adapters(fakes.config(page_size=page_size), env=fakes.env(), transport=httpx.MockTransport(served),
                           sleep=no_wait)[system]
    assert isinstance(built, GenericAdapter) and built.profile == profile
    return built


def send(http: httpx.Client, request: dict, record_id: str, *, params: dict | None = None,
         headers: dict | None = None) -> httpx.Response:
    """A documented request, sent as written to a fake (its ``{id}`` the seeded record's; ``params`` or
    ``headers`` where the test had to fill in what the documentation names by a placeholder)."""
    return http.request(request["method"], request["path"].replace("{id}", record_id),
                        params=request["query"] if params is None else params,
                        headers=request["headers"] if headers is None else headers,
                        content=None if request["body"] is None else json.dumps(request["body"]).encode())


def answered_as_documented(example: dict, answer: httpx.Response, *, empty: bool = True) -> Any:
    """The fake's answer has the documented status and body shape; its decoded body (None where no body
    is documented: then the answer must be empty too, unless not ``empty``, for a vendor whose
    documentation leaves out the body its errors carry)."""
    documented = example["response"]
    assert answer.status_code == documented["status"], answer.text
    if documented["body"] is None:
        assert not empty or answer.content == b""
        return None
    body = answer.json()
    assert_shape(documented["body"], body)
    return body

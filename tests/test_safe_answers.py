"""HttpClient.json: the one place adapters decode an answer's body."""

from __future__ import annotations

import httpx
import pytest

from dataflow_qa.systems.adapters.base import AdapterError
from dataflow_qa.systems.adapters.rest import HttpAdapter
from dataflow_qa.systems.transport import HttpClient

SECRET = "s3cr3t-value-never-shown"


def client(answer: httpx.Response) -> HttpClient:
    return HttpClient("acme", "https://api.example.test/v1", transport=httpx.MockTransport(lambda request: answer),
                      secrets=[SECRET], sleep=lambda seconds: None)


@pytest.mark.parametrize("answer", [httpx.Response(204), httpx.Response(200, content=b""), httpx.Response(200, content=b" \n")])
def test_no_content_is_none(answer: httpx.Response) -> None:
    http = client(answer)
    assert http.json(http.send("GET", "/Customers")) is None


def test_a_json_body_is_decoded() -> None:
    http = client(httpx.Response(200, json={"Id": 7, "Name": "Acme"}))
    assert http.json(http.send("GET", "/Customers/7")) == {"Id": 7, "Name": "Acme"}


def test_a_body_that_is_not_json_is_an_adapter_error_naming_the_call() -> None:
    http = client(httpx.Response(200, text="<html>Sign in</html>"))
    response = http.send("GET", f"/Customers?token={SECRET}")
    with pytest.raises(AdapterError) as caught:
        http.json(response)
    message = str(caught.value)
    assert "acme: GET https://api.example.test/v1/Customers?token=***" in message
    assert "answered 200 OK" in message and "body: <html>Sign in</html>" in message and "not JSON" in message
    assert SECRET not in message
    assert caught.value.status == 200 and caught.value.kind == "client"


class Shop(HttpAdapter):
    """A dialect with one collection, enough to read records."""

    def collection(self, entity: str) -> str:
        return f"/{entity}"

    def to_record(self, entity: str, data: dict):
        return self.record(data, "Id", "Updated")


def test_an_adapter_read_of_a_broken_body_is_an_adapter_error() -> None:
    adapter = Shop("acme", client(httpx.Response(200, text="{not json")))
    with pytest.raises(AdapterError, match=r"GET https://api.example.test/v1/Products/3 answered 200 OK; body: \{not json"):
        adapter.get("Products", "3")

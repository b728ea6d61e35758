"""A plain HTTP client following the vendors' public API shapes works against `fakes serve`
with the credentials it prints."""

from __future__ import annotations

import io
import json
import shlex
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from dataflow_qa.fakes import cli


@dataclass
class Served:
    """What `serve` printed: its sandbox configuration and credentials."""

    config: dict
    env: dict[str, str]
    http: httpx.Client

    def base(self, system: str) -> str:
        return self.config["systems"][system]["base_url"]


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    out, ready, stop = io.StringIO(), threading.Event(), threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(
        cli.main(["serve", "--port", "0", "--specs", "specs", "--no-rate-limits"], out=out, ready=ready, stop=stop)))
    thread.start()
    assert ready.wait(30), out.getvalue()
    text = out.getvalue()
    toml_text = text.split("# --- sandbox configuration (TOML) ---\n")[1].split("# --- fake credentials")[0]
    env = dict(shlex.split(line)[1].split("=", 1) for line in text.splitlines() if line.startswith("export "))
    with httpx.Client(timeout=10) as http:
        yield Served(tomllib.loads(toml_text), env, http)
    stop.set()
    thread.join(10)
    assert result == [0] and out.getvalue().rstrip().endswith("# stopped")


def salesforce_headers(served: Served) -> dict[str, str]:
    answer = served.http.post(served.base("salesforce") + "/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": served.env["DFQA_SALESFORCE_CLIENT_ID"],
        "client_secret": served.env["DFQA_SALESFORCE_CLIENT_SECRET"]})
    assert answer.status_code == 200 and answer.json()["token_type"] == "Bearer"
    assert answer.json()["instance_url"] == served.base("salesforce")
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_salesforce_create_answers_201_with_an_18_character_contact_id(served: Served) -> None:
    data = served.base("salesforce") + "/services/data/v60.0"
    headers = salesforce_headers(served)
    created = served.http.post(f"{data}/sobjects/Contact/", json={"LastName": "Nordmann", "FirstName": "Kari"},
                               headers=headers)
    assert created.status_code == 201
    body = created.json()
    assert body["success"] is True and body["errors"] == [] and len(body["id"]) == 18 and body["id"].startswith("003")
    record = served.http.get(f"{data}/sobjects/Contact/{body['id'][:15]}", headers=headers).json()
    assert record["attributes"]["type"] == "Contact" and record["Id"] == body["id"]
    assert record["LastModifiedDate"] == record["SystemModstamp"] and record["SystemModstamp"].endswith("+0000")
    product = served.http.post(f"{data}/sobjects/Product2/", json={"Name": "Widget"}, headers=headers).json()
    assert product["id"].startswith("01t")
    assert served.http.patch(f"{data}/sobjects/Contact/{body['id']}", json={"Phone": "22 33"},
                             headers=headers).status_code == 204
    rows = served.http.get(f"{data}/query", params={"q": "SELECT Id, Phone FROM Contact WHERE Phone = '22 33'"},
                           headers=headers).json()
    assert rows["totalSize"] == 1 and rows["done"] and rows["records"][0]["Phone"] == "22 33"
    assert served.http.delete(f"{data}/sobjects/Contact/{body['id']}", headers=headers).status_code == 204
    gone = served.http.get(f"{data}/sobjects/Contact/{body['id']}", headers=headers)
    assert gone.status_code == 404 and gone.json()[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_salesforce_errors_are_json_lists(served: Served) -> None:
    data = served.base("salesforce") + "/services/data/v60.0"
    headers = salesforce_headers(served)
    with_id = served.http.post(f"{data}/sobjects/Contact/", json={"Id": "003000000000001", "LastName": "x"},
                               headers=headers)
    assert with_id.status_code == 400 and with_id.json()[0]["errorCode"] == "INVALID_FIELD"
    # As the vendor's create example shows it: message and errorCode, no "fields" (docs/vendors/salesforce.md).
    assert with_id.json() == [{"message": "The Id field should not be specified in the sobject data.",
                               "errorCode": "INVALID_FIELD"}]
    anonymous = served.http.post(f"{data}/sobjects/Contact/", json={"LastName": "x"})
    assert anonymous.status_code == 401 and anonymous.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    unbounded = served.http.get(f"{data}/query", params={"q": "SELECT FIELDS(ALL) FROM Contact"}, headers=headers)
    assert unbounded.status_code == 400 and unbounded.json()[0]["errorCode"] == "MALFORMED_QUERY"
    unknown = served.http.get(f"{data}/sobjects/Nonsense/003Dn0000000001IAA", headers=headers)
    assert unknown.status_code == 404 and unknown.json()[0]["errorCode"] == "NOT_FOUND"


def superoffice_headers(served: Served) -> dict[str, str]:
    return {"Authorization": f"SOTicket {served.env['DFQA_SUPEROFFICE_TICKET']}",
            "SO-AppToken": served.env["DFQA_SUPEROFFICE_APP_TOKEN"]}


def test_superoffice_create_answers_200_with_integer_person_id_and_phone_lists(served: Served) -> None:
    base = served.base("superoffice")
    assert base.endswith("/superoffice/Cust12345/api/v1")
    person = {"Firstname": "Zoë", "Lastname": "Ærø", "OfficePhones": [{"Value": "+47 22 33 44 55"}]}
    created = served.http.post(f"{base}/Person", json=person, headers=superoffice_headers(served))
    assert created.status_code == 200
    body = created.json()
    assert isinstance(body["PersonId"], int) and body["Firstname"] == "Zoë"
    assert body["OfficePhones"] == [{"Value": "+47 22 33 44 55", "StrippedValue": "4722334455", "Description": ""}]
    rows = served.http.get(f"{base}/Person", headers=superoffice_headers(served), params={
        "$filter": "personUpdatedDate afterTime '2000-01-01' and Lastname eq 'Ærø'", "$top": "5"}).json()
    assert [row["personId"] for row in rows["value"]] == [body["PersonId"]]
    stale = [{"op": "test", "path": "/UpdatedDate", "value": "1999-01-01T00:00:00"},
             {"op": "replace", "path": "/Firstname", "value": "x"}]
    patched = served.http.patch(f"{base}/Person/{body['PersonId']}", json=stale, headers={
        **superoffice_headers(served), "Content-Type": "application/json-patch+json"})
    assert patched.status_code == 409


def test_superoffice_refuses_calls_without_app_token_and_malformed_phone_lists(served: Served) -> None:
    base = served.base("superoffice")
    no_app = {"Authorization": superoffice_headers(served)["Authorization"]}
    assert served.http.get(f"{base}/Person", headers=no_app).status_code == 401
    bad = served.http.post(f"{base}/Person", json={"OfficePhones": "22 33"}, headers=superoffice_headers(served))
    assert bad.status_code == 400 and "OfficePhones" in bad.json()["Error"]
    item = served.http.post(f"{base}/List/Country/Items", json={"Name": "Norge"}, headers=superoffice_headers(served))
    assert item.status_code == 200 and isinstance(item.json()["CountryId"], int)  # country items are keyed CountryId
    assert served.http.get(f"{base}/List/Country/Items", headers=superoffice_headers(served)).json()[-1]["Name"] == "Norge"


def test_poweroffice_token_subscription_key_and_paged_lists(served: Served) -> None:
    base, env = served.base("powerofficego"), served.env
    key = {"Ocp-Apim-Subscription-Key": env["DFQA_POWEROFFICEGO_SUBSCRIPTION_KEY"]}
    token = served.http.post(base.removesuffix("/v2") + "/OAuth/Token", data={"grant_type": "client_credentials"},
                             headers=key, auth=(env["DFQA_POWEROFFICEGO_APPLICATION_KEY"],
                                                env["DFQA_POWEROFFICEGO_CLIENT_KEY"])).json()
    headers = {**key, "Authorization": f"Bearer {token['access_token']}"}
    for name in ("Ola", "Kari", "Per"):
        created = served.http.post(f"{base}/Customers", json={"FirstName": name, "IsPerson": True}, headers=headers)
        assert created.status_code == 201 and isinstance(created.json()["Id"], int)
    page = served.http.get(f"{base}/Customers", params={"pageNumber": 1, "pageSize": 2}, headers=headers)
    assert [c["FirstName"] for c in page.json()] == ["Ola", "Kari"]
    assert "pageNumber=2" in json.loads(page.headers["X-Pagination"])["nextPageLink"]
    missing_key = served.http.get(f"{base}/Customers", headers={"Authorization": headers["Authorization"]})
    assert missing_key.status_code == 401 and "subscription key" in missing_key.json()["message"]


def test_webcrm_login_persons_and_queries(served: Served) -> None:
    base = served.base("webcrm")
    login = served.http.post(f"{base}/Auth/ApiLogin", data={"authCode": served.env["DFQA_WEBCRM_AUTH_CODE"]}).json()
    assert login["TokenType"] == "Bearer" and login["ExpiresIn"] == 3600
    headers = {"Authorization": f"Bearer {login['AccessToken']}"}
    created = served.http.post(f"{base}/Persons", json={"PersonId": 0, "PersonFirstName": "Kari"}, headers=headers)
    assert created.status_code == 200 and isinstance(created.json(), int)
    listed = served.http.get(f"{base}/Persons", params={"Page": 1, "Size": 10}, headers=headers).json()
    assert listed[-1]["PersonId"] == created.json() and listed[-1]["PersonUpdatedAt"].endswith("+01:00")
    rows = served.http.get(f"{base}/Queries", params={"script": "SELECT * FROM Person WHERE PersonFirstName = 'Kari'"},
                           headers=headers).json()
    assert [r["PersonId"] for r in rows] == [created.json()]
    assert served.http.get(f"{base}/Persons", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_crmoffice_and_custom_crm_answer_in_items_envelopes(served: Served) -> None:
    env = served.env
    token = served.http.post(served.base("crmoffice") + "/connect/token", data={
        "grant_type": "refresh_token", "refresh_token": env["DFQA_CRMOFFICE_REFRESH_TOKEN"],
        "client_id": env["DFQA_CRMOFFICE_CLIENT_ID"], "client_secret": env["DFQA_CRMOFFICE_CLIENT_SECRET"]}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    created = served.http.post(served.base("crmoffice") + "/contacts", json={"givenName": "Per"}, headers=headers)
    assert created.status_code == 201 and created.json()["id"]
    listed = served.http.get(served.base("crmoffice") + "/contacts", headers=headers).json()
    assert listed["items"][-1]["givenName"] == "Per"
    custom = {"Authorization": f"Bearer {env['DFQA_CUSTOMCRM_TOKEN']}"}
    assert served.http.post(served.base("customcrm") + "/product", json={"name": "P"}, headers=custom).status_code == 201
    assert served.http.get(served.base("customcrm") + "/nothing-here", headers=custom).status_code == 404


def test_the_root_names_every_served_system(served: Served) -> None:
    root = served.base("webcrm").removesuffix("/webcrm")
    answer = served.http.get(root + "/")
    assert answer.status_code == 404
    assert answer.json()["systems"] == ["crmoffice", "customcrm", "powerofficego", "salesforce", "superoffice", "webcrm"]

"""Lint names the document shapes whose checks cannot all be set up as written, with both lines and what to do."""

from __future__ import annotations

from dataflow_qa.generator.lint import lint, view_of
from dataflow_qa.generator.parse import DocumentParser

PARSER = DocumentParser()


def document(sections: dict[str, list[tuple[str, str]]]) -> str:
    """'Alpha to Beta' with one section per title, each a property table of (source cell, target cell) string rows."""
    text = "==================\nAlpha to Beta Dataflow\n==================\n\n"
    for title, rows in sections.items():
        source, target = title.split(" to ")
        text += f"{title}\n{'-' * len(title)}\nEvery {source} will be synchronized with a {target}.\n\n"
        text += f".. list-table::\n   :header-rows: 1\n\n   * - {source} Property\n     - {target} Property\n     - Beta Data Type\n"
        for left, right in rows:
            text += f'   * - {left}\n     - {right}\n     - "string"\n'
        text += "\n"
    return text


def found(text: str, code: str) -> list[str]:
    """``line: message`` of every diagnostic with this code."""
    return [f"{d.line}: {d.message}" for d in lint([PARSER.parse_text(text, "doc.rst")]) if d.code == code]


def test_rows_gated_on_one_path_with_different_values_are_exclusive() -> None:
    text = document({"Alpha Customer to Beta Company": [
        ("customerNumber (Dependant on having wd:Q334 in country.code)", "OrgNr"),
        ("organizationNumber (Dependant on having wd:Q20 in country.code)", "OrgNr"),
        ("name", "Name"),
    ]})
    [message] = found(text, "exclusive-conditions")
    assert message.startswith("18: in 'Alpha Customer to Beta Company', this row applies when source 'country.code' holds 'wd:Q20', "
                              "the row at line 15 when it holds 'wd:Q334'")
    assert found(document({"Alpha Customer to Beta Company": [("a (Dependant on having wd:Q20 in country.code)", "A"),
                                                                ("b (Dependant on having wd:Q20 in country.code)", "B")]}),
                 "exclusive-conditions") == []


def test_a_row_gated_on_a_property_another_row_syncs() -> None:
    text = document({"Alpha Customer to Beta Company": [
        ("country.code", "CountryCode"),
        ("orgNo (Dependant on having wd:Q20 in country.code)", "OrgNr"),
    ]})
    [message] = found(text, "gated-on-synced")
    assert message.startswith("18: in 'Alpha Customer to Beta Company', this row applies when source 'country.code' holds 'wd:Q20', "
                              "and the row at line 15 syncs 'country.code' itself")


def test_views_of_one_collection_mapped_to_one_entity_and_their_rows_writing_one_property() -> None:
    text = document({
        "Alpha Customers to Beta Company": [("deliveryAddress.city", "City"), ("name", "Name")],
        "Alpha Customers (organisation data) to Beta Company": [("postalAddress.city", "City"), ("name", "Name")],
        "Alpha Suppliers to Beta Company": [("town", "City")],
    })
    [views] = found(text, "views-one-target")
    assert views.startswith("22: 'Customers (organisation data)' and 'Customers' (line 5) are views of one 'Customers' collection, both mapped to 'Company'")
    [fan_in] = found(text, "views-fan-in")
    assert fan_in.startswith("32: 'Company' property 'City' is written from 'postalAddress.city' of 'Customers (organisation data)' here "
                             "and from 'deliveryAddress.city' of 'Customers' at line 15")


def test_view_names() -> None:
    assert [view_of(e) for e in ("Customers (human data)", "Customers", "Order (lines) (v2)", "(odd)")] == [
        "Customers", "Customers", "Order (lines)", "(odd)"]

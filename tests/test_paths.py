"""Reading and writing values by a document's property path."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dataflow_qa.values import paths
from dataflow_qa.generator.model import Condition


def test_dotted_paths_reach_into_objects_and_writing_creates_them() -> None:
    record: dict = {}
    paths.set(record, "Address.Street.Zipcode", "0150")
    assert record == {"Address": {"Street": {"Zipcode": "0150"}}}
    assert paths.get(record, "Address.Street.Zipcode") == "0150"
    assert paths.get(record, "Address.City") is paths.MISSING


def test_a_list_of_objects_means_its_first_element() -> None:
    record = {"OfficePhones": [{"Value": "+47 1"}, {"Value": "+47 2"}]}
    assert paths.get(record, "OfficePhones.Value") == "+47 1"
    paths.set(record, "OfficePhones.Value", "+47 3")
    assert record["OfficePhones"] == [{"Value": "+47 3"}, {"Value": "+47 2"}]


def test_list_segments_are_created_as_lists() -> None:
    record = paths.build({"MobilePhones.Value": "9"}, list_segments={"MobilePhones"})
    assert record == {"MobilePhones": [{"Value": "9"}]}


def test_a_condition_selects_the_list_element_it_names() -> None:
    mobile = Condition("wd:Q17517", "phone_numbers.name")
    work = Condition("wd:Q214995", "phone_numbers.name")
    record: dict = {}
    paths.set(record, "phone_numbers.number", "111", mobile)
    paths.set(record, "phone_numbers.number", "222", work)
    assert record == {"phone_numbers": [{"name": "wd:Q17517", "number": "111"}, {"name": "wd:Q214995", "number": "222"}]}
    assert paths.get(record, "phone_numbers.number", work) == "222"
    assert paths.holds(record, work, "phone_numbers.number")


def test_a_condition_elsewhere_gates_the_row() -> None:
    norway = Condition("wd:Q20", "Country.TwoLetterISOCountry")
    assert not paths.holds({"Country": {"TwoLetterISOCountry": "SE"}}, norway, "OrgNr")
    assert paths.holds({"Country": {"TwoLetterISOCountry": "wd:Q20"}}, norway, "OrgNr")
    assert not paths.holds({}, Condition("wd:Q20", ""), "OrgNr")
    assert paths.holds({}, None, "OrgNr")


@given(st.lists(st.text("abc", min_size=1, max_size=3), min_size=1, max_size=4), st.integers() | st.text())
def test_what_is_written_is_read_back(segments: list[str], value: object) -> None:
    record: dict = {}
    path = ".".join(segments)
    paths.set(record, path, value)
    assert paths.get(record, path) == value

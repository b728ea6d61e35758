"""Names in generated code are identifiers, unique and readable."""

from __future__ import annotations

import keyword

from dataflow_qa.generator import naming


def test_class_names_fold_non_ascii_and_punctuation() -> None:
    assert naming.class_name("Customers (human data)", "to", "Person") == "TestCustomersHumanDataToPerson"
    assert naming.class_name("Ærøskøbing Item") == "TestAeroskobingItem"
    assert naming.class_name("日本") == "TestUnnamed"


def test_identifiers_avoid_keywords_and_leading_digits() -> None:
    assert naming.identifier("class") == "class_"
    assert naming.identifier("2nd phone") == "n2nd_phone"
    for word in keyword.kwlist:
        assert naming.identifier(word).isidentifier() and not keyword.iskeyword(naming.identifier(word))


def test_long_names_are_bounded_and_still_unique() -> None:
    a, b = naming.module_name("x" * 200, "a"), naming.module_name("x" * 200, "b")
    assert len(a) <= naming.MAX_NAME and len(b) <= naming.MAX_NAME and a != b


def test_collisions_get_suffixes_case_insensitively() -> None:
    names = naming.UniqueNames()
    assert [names.take("TestA"), names.take("TestA"), names.take("testa")] == ["TestA", "TestA_2", "testa_3"]

"""Dense, cyclic and contradictory documents of the shared corpus at once: the engine settles.

The chosen documents map in both directions (PowerOffice GO <-> Tripletex),
within one system (HubSpot, SuperOffice, Tripletex, PowerOffice GO), across
merge-or-create and link-only tables and conditional rows. The whole corpus
settles too (about 17 passes); it is left to benchmarks because parsing it
takes seconds.
"""

from __future__ import annotations

from engine_support import SPECS, World

from dataflow_qa.values.paths import Field
from dataflow_qa.generator.parse import find_documents, parse_paths

CORPUS = SPECS.parent / "tests" / "data" / "corpus"
CHOSEN = ["hubspot-hubspot", "hubspot-superoffice", "powerofficego-powerofficego", "powerofficego-tripletex", "tripletex-powerofficego",
          "superoffice-superoffice", "freshteam-tripletex"]


def test_cyclic_and_contradictory_documents_settle_together() -> None:
    documents = [r.document for r in parse_paths(find_documents([str(SPECS), *(str(CORPUS / f"{name}.rst") for name in CHOSEN)])) if r.document]
    assert len(documents) == 5 + len(CHOSEN)
    world = World(documents)
    for mapping in world.engine.mappings:
        values: dict[str | Field, object] = {}
        for row in mapping.properties:
            if row.source_condition is not None and row.source_condition.is_valid:
                values[row.source_condition.path] = row.source_condition.value
        for n, row in enumerate(mapping.properties):
            values[Field(row.source, row.source_condition)] = f"v{n}" if row.type in (None, "string") else n
        values.update({key.source: "same key everywhere" for key in mapping.merge_keys})
        world.create(mapping.source.id, mapping.source_entity, values)
    world.engine.settle(max_passes=40)
    assert world.engine.sync_once() == 0
    assert len(world.engine.mappings) > 150

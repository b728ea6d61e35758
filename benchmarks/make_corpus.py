"""Build a benchmark corpus of N distinct dataflow documents of the real family's shape.

The samples are the family's development half (``../shared/corpus``, 634
documents; ``$DATAFLOW_QA_FAMILY`` names another folder) when it is there,
else the few samples in the repository (``tests/data/corpus``, ``specs``).
Copy 0 is every sample as it is; later copies rename the systems (one name
per copy, consistently across its documents, so chains across documents stay
as they are) and some entities. From the family, rows are kept as written, so
1,152 documents have the family's density of pairs, views, conditions and
chains; from the few repository samples, property tables are also cut to a
varying number of rows so no two models are equal. For benchmarks only::

    python benchmarks/make_corpus.py /tmp/corpus --count 1152
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dataflow_qa.generator.parse import DocumentParser, canonical_id  # noqa: E402

SAMPLES = ("tests/data/corpus", "specs")
FAMILY = Path(os.environ.get("DATAFLOW_QA_FAMILY", ROOT.parent / "shared" / "corpus"))
FAMILY_SIZE = 1152
"""The public family's documents (``../shared/corpus/README.md``)."""
SYSTEM_TAGS = ("North", "South", "East", "West", "Cloud", "Pro", "Plus", "One", "Max", "Lite", "Hub", "Edge")
ENTITY_TAGS = ("Archive", "Draft", "Extended", "Legacy")
ADORNMENT = re.compile(r"^([=\-~^`'\"#*+.:_])\1{2,}\s*$")
ROW_START = re.compile(r"^\s+\* - ")


@dataclass(frozen=True)
class Sample:
    """A sample document: its text, its two system names and its entities."""

    name: str
    text: str
    source: str
    target: str
    entities: tuple[tuple[str, str], ...]
    """(system display name, entity) pairs as they are written in the document."""


def sample_files() -> list[Path]:
    """The sample documents, in a fixed order: the family's half when present, else the repository's few."""
    return sorted(FAMILY.glob("*.rst")) if family_present() else repository_files()


def repository_files() -> list[Path]:
    """The few sample documents kept in the repository."""
    return [path for folder in SAMPLES for path in sorted((ROOT / folder).glob("*.rst"))]


def family_present() -> bool:
    """True when the family's development half is beside the repository."""
    return FAMILY.is_dir() and any(FAMILY.glob("*.rst"))


def load_samples(files: list[Path] | None = None) -> list[Sample]:
    """The samples (default: all) that parse into a document with named systems."""
    parser = DocumentParser()
    samples = []
    for path in files if files is not None else sample_files():
        document = parser.parse_file(path).document
        if document is None or not (canonical_id(document.source.name) and canonical_id(document.target.name)):
            continue  # a title without a system name cannot be renamed
        pairs = {(m.source.name, m.source_entity) for m in document.mappings}
        pairs |= {(m.target.name, m.target_entity) for m in document.mappings}
        samples.append(Sample(path.name, path.read_text(encoding="utf-8"), document.source.name, document.target.name, tuple(sorted(pairs))))
    return samples


def system_name(name: str, copy: int) -> str:
    """The display name of a system in copy number ``copy`` (copy 0 keeps it)."""
    if copy == 0:
        return name
    tag = SYSTEM_TAGS[(copy - 1) % len(SYSTEM_TAGS)]
    round_ = (copy - 1) // len(SYSTEM_TAGS)
    return f"{name} {tag}{round_ + 1 if round_ else ''}"


def entity_name(system: str, entity: str, copy: int) -> str:
    """An entity's name in a copy: about one in three gets a suffix, the same one in every document."""
    digest = hashlib.sha256(f"{copy}:{canonical_id(system)}:{entity}".encode()).digest()
    if copy == 0 or digest[0] % 3:
        return entity
    return f"{entity} {ENTITY_TAGS[digest[1] % len(ENTITY_TAGS)]}"


def _spelled(name: str) -> str:
    """A pattern for a system name however it is spaced or cased (``Businesscentral``, ``Business Central``)."""
    return "(?i:" + r"\s?".join(re.escape(ch) for ch in canonical_id(name)) + ")"


def rename(sample: Sample, copy: int, suffix: str) -> str:
    """The sample's text with systems and entities renamed in one pass."""
    systems = {name: system_name(name, copy) + suffix for name in (sample.source, sample.target)}
    choices: list[tuple[str, str]] = [(re.escape(name), new) for name, new in systems.items()]
    for system, entity in sample.entities:
        choices.append((f"{_spelled(system)} {re.escape(entity)}", f"{systems[system]} {entity_name(system, entity, copy)}"))
    choices.sort(key=lambda choice: len(choice[0]), reverse=True)
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(f"({regex})" for regex, _ in choices) + r")(?![\w])")
    return pattern.sub(lambda match: choices[match.lastindex - 1][1], sample.text)


def fix_adornments(text: str) -> str:
    """Make every title's over- and underline exactly as long as its title."""
    lines = text.split("\n")
    for i in range(1, len(lines)):
        title = lines[i - 1]
        if ADORNMENT.match(lines[i]) and title.strip() and not ADORNMENT.match(title):
            lines[i] = lines[i][0] * len(title)
            if i >= 2 and ADORNMENT.match(lines[i - 2]):
                lines[i - 2] = lines[i - 2][0] * len(title)
    return "\n".join(lines)


def vary_rows(text: str, seed: int) -> str:
    """Cut each property table to 1-6 rows (never to none) and, for one seed in four, add a row."""
    lines = text.split("\n")
    out: list[str] = []
    i, tables = 0, 0
    while i < len(lines):
        out.append(lines[i])
        if lines[i].startswith(".. list-table::"):
            end = i + 1
            while end < len(lines) and (not lines[end].strip() or lines[end].startswith(" ")):
                end += 1
            body = lines[i + 1:end]
            varied = _vary_table(body, seed, tables)
            tables += varied is not body
            out.extend(varied)
            i = end
            continue
        i += 1
    return "\n".join(out)


def _vary_table(body: list[str], seed: int, table_index: int) -> list[str]:
    """A property table's lines with rows cut (and maybe one added); other tables as they are."""
    starts = [n for n, line in enumerate(body) if ROW_START.match(line)]
    if not starts:
        return body
    bounds = list(zip(starts, starts[1:] + [_last_content(body) + 1]))
    header = body[bounds[0][0]:bounds[0][1]]
    if len(header) != 3 or "Data Type" not in header[2] or len(bounds) < 2:
        return body
    keep = 1 + (seed * 7 + table_index * 3) % 6
    rows = bounds[1:1 + keep]
    kept = body[:bounds[1][0]] + [line for a, b in rows for line in body[a:b]]
    if seed % 4 == 1 and table_index == 0:
        indent = header[0][: header[0].index("*")]
        kept += [f"{indent}* - extraSource{seed}", f"{indent}  - extraTarget{seed}", f'{indent}  - "string"']
    return kept + body[_last_content(body) + 1:]


def _last_content(body: list[str]) -> int:
    return max(n for n, line in enumerate(body) if line.strip())


def build(count: int, out: Path, samples: list[Sample] | None = None, vary: bool | None = None) -> list[Path]:
    """Write ``count`` distinct documents into ``out`` (emptied first); their paths.

    ``vary`` cuts property tables per copy (default: only when the samples are
    not the family's, whose shape is the point)."""
    vary = (not family_present()) if vary is None else vary
    samples = samples if samples is not None else load_samples()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    used: set[str] = set()
    written = []
    for number in range(count):
        sample, copy = samples[number % len(samples)], number // len(samples)
        suffix = ""
        while True:
            source_id = canonical_id(system_name(sample.source, copy) + suffix)
            target_id = canonical_id(system_name(sample.target, copy) + suffix)
            if f"{source_id}-{target_id}" not in used:
                break
            suffix = f" V{len(suffix) + 2}" if not suffix else f" V{int(suffix[2:]) + 1}"
        used.add(f"{source_id}-{target_id}")
        renamed = rename(sample, copy, suffix) if copy or suffix else sample.text
        text = fix_adornments(vary_rows(renamed, number) if vary else renamed)
        path = out / f"{source_id}-{target_id}.rst"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``make_corpus.py OUT [--count N]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to (re)create")
    parser.add_argument("--count", type=int, default=FAMILY_SIZE, help=f"documents to write (default {FAMILY_SIZE})")
    args = parser.parse_args(argv)
    paths = build(args.count, args.out)
    print(f"{len(paths)} documents in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

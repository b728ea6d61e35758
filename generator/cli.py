"""``dataflow-qa``: lint, inspect, generate and check; run-time commands are delegated.

Every command reads documents with the same parser and prints problems as
``path:line: level: code: message``. Exit status: 0 fine, 1 problems found,
2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from generator import jsonform
from generator.batch import BatchError, build, display_paths, up_to_date
from generator.batch import usable as batch_usable
from generator.cache import DEFAULT_FOLDER as DEFAULT_CACHE
from generator.cache import ENV_FOLDER as ENV_CACHE
from generator.cache import Cache, generator_fingerprint
from generator.drift import semantic_diff
from generator.lint import exit_status, lint
from generator.model import Diagnostic, ParseResult
from generator.output import MANIFEST, Rendered, changed_files, plan, read_manifest, stale_files, write
from generator.parse import DocumentParser, find_documents

DEFAULT_SPECS = "specs"
DEFAULT_OUT = "generated_tests"

DELEGATED: dict[str, tuple[str, str]] = {
    "fakes": ("fixtures.fakes.cli", "serve the built-in fake systems over loopback HTTP ('fakes serve --help')"),
    "engine": ("fixtures.engine.cli", "run the reference sync engine against configured systems ('engine run --help')"),
    "reap": ("fixtures.reap", "delete records a sandbox run left behind"),
    "mutate": ("fixtures.mutate", "run the suite once per named sync fault and show which checks catch it"),
}
"""Run-time command groups implemented in ``fixtures/``: name -> (module, help)."""


def display_path(path: Path) -> str:
    """A path as users typed it: relative to the working folder when inside it."""
    return display_paths([path])[0]


def read(paths: Sequence[str]) -> tuple[list[ParseResult], list[Diagnostic]]:
    """Parse the given files and folders; return results and all diagnostics."""
    files = find_documents(list(paths))
    missing = [p for p in files if not p.exists()]
    parser = DocumentParser()
    results = [parser.parse_file(p, display_path(p)) for p in files if p.exists()]
    diagnostics = lint(results)
    diagnostics += [Diagnostic(display_path(p), 1, "error", "no-such-file", "file not found; check the path") for p in missing]
    return results, diagnostics


def print_diagnostics(diagnostics: Sequence[Diagnostic], levels: set[str] | None = None) -> None:
    """Compiler-style lines on stderr, then a one-line count."""
    shown = [d for d in diagnostics if levels is None or d.level in levels]
    for diagnostic in shown:
        print(diagnostic, file=sys.stderr)
    counts = {level: sum(d.level == level for d in diagnostics) for level in ("error", "warning", "info")}
    print(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes", file=sys.stderr)


def cmd_lint(args: argparse.Namespace) -> int:
    results, diagnostics = read(args.paths or [DEFAULT_SPECS])
    print_diagnostics(diagnostics)
    return exit_status(diagnostics, strict=args.strict)


def cmd_inspect(args: argparse.Namespace) -> int:
    results, diagnostics = read(args.paths)
    documents = [r.document for r in results if r.document is not None]
    if args.json:
        payload = {"documents": [jsonform.document(d) for d in documents], "diagnostics": [jsonform.diagnostic(d) for d in diagnostics]}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for doc in documents:
            print(f"{doc.path}: {doc.title} ({doc.source.id} -> {doc.target.id}), {len(doc.mappings)} mappings, {doc.property_count} property rows")
            for m in doc.mappings:
                print(f"  {m.loc.line:>5}  {m.variant:<15} {m.source_entity} -> {m.target_entity}: {len(m.properties)} rows, {len(m.merge_keys)} merge keys")
        print_diagnostics(diagnostics, {"error"})
    return exit_status(diagnostics)


def _generation_inputs(args: argparse.Namespace) -> tuple[list[ParseResult], dict[str, Rendered], list[Diagnostic], Cache | None]:
    """Documents with errors are held back: their old module stays as it was.

    Unchanged documents come from the cache; the others are parsed and
    rendered on every core.
    """
    cache = None if args.no_cache else Cache()
    batch = build(args.specs or [DEFAULT_SPECS], cache=cache, jobs=args.jobs)
    diagnostics = lint(batch.results)
    diagnostics += [Diagnostic(p, 1, "error", "no-such-file", "file not found; check the path") for p in batch.missing]
    usable = [r if batch_usable(r) else ParseResult(r.path, None, r.diagnostics) for r in batch.results]
    return usable, batch.rendered, diagnostics, cache


def cmd_generate(args: argparse.Namespace) -> int:
    try:
        results, rendered, diagnostics, cache = _generation_inputs(args)
    except BatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    target = plan(results, Path(args.out), rendered, generator_fingerprint(), cache)
    try:
        written, deleted = write(target)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print_diagnostics(diagnostics, {"error"})
    print(f"{len(written)} files written, {len(deleted)} removed, {len(target.files) - len(written)} unchanged in {args.out}")
    return exit_status(diagnostics)


def cmd_check(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if not args.no_cache:
        verdict = up_to_date(args.specs or [DEFAULT_SPECS], out)
        if verdict.up_to_date:
            print(f"{args.out} is up to date with {verdict.documents} documents (by their hashes)")
            return 0
    try:
        results, rendered, diagnostics, cache = _generation_inputs(args)
    except BatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    target = plan(results, out, rendered, generator_fingerprint(), cache)
    changed, stale = changed_files(target), stale_files(target)
    print_diagnostics(diagnostics, {"error"})
    if changed == [MANIFEST] and not stale and _same_but_fingerprint(read_manifest(out), target.manifest):
        print(f"{args.out} is up to date with {target.documents} documents; its manifest names another generator build (generate refreshes it)")
        return exit_status(diagnostics)
    if not changed and not stale:
        print(f"{args.out} is up to date with {target.documents} documents")
        return exit_status(diagnostics)
    print(f"{args.out} is stale; run: dataflow-qa generate", file=sys.stderr)
    for line in semantic_diff(read_manifest(out), target.manifest):
        print(f"  {line}", file=sys.stderr)
    for name in changed:
        print(f"  {out / name}: {'differs' if (out / name).exists() else 'missing'}", file=sys.stderr)
    for name in stale:
        print(f"  {out / name}: its document is gone; generate removes it", file=sys.stderr)
    return 1


def _same_but_fingerprint(old: dict, new: dict) -> bool:
    """Equal manifests but for the generator fingerprint (another docutils or generator build, same output)."""
    return {k: v for k, v in old.items() if k != "fingerprint"} == {k: v for k, v in new.items() if k != "fingerprint"}


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="dataflow-qa", description="QA suites from Sesam Talk dataflow documents.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lint_p = sub.add_parser("lint", help="report problems in documents")
    lint_p.add_argument("paths", nargs="*", help=f"files or folders (default: {DEFAULT_SPECS}/)")
    lint_p.add_argument("--strict", action="store_true", help="fail on warnings too")
    lint_p.set_defaults(run=cmd_lint)

    inspect_p = sub.add_parser("inspect", help="print the parsed model")
    inspect_p.add_argument("paths", nargs="+", help="files or folders")
    inspect_p.add_argument("--json", action="store_true", help="machine-readable output")
    inspect_p.set_defaults(run=cmd_inspect)

    for name, run, text in (("generate", cmd_generate, "write the pytest suite"), ("check", cmd_check, "fail if the suite is stale")):
        p = sub.add_parser(name, help=text)
        p.add_argument("specs", nargs="*", help=f"files or folders (default: {DEFAULT_SPECS}/)")
        p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
        p.add_argument("--jobs", "-j", type=_positive, default=None, metavar="N", help="processes that parse changed documents (default: one per core)")
        p.add_argument("--no-cache", action="store_true", help=f"parse every document again (and, for check, skip the hash-only fast path); the cache is {DEFAULT_CACHE}/ or ${ENV_CACHE}")
        p.set_defaults(run=run)

    for name, (_, text) in DELEGATED.items():
        sub.add_parser(name, help=text, add_help=False)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dataflow-qa`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in DELEGATED:
            return int(importlib.import_module(DELEGATED[argv[0]][0]).main(argv[1:]))
        args = build_parser().parse_args(argv)
        return int(args.run(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())

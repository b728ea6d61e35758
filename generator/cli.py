"""``dataflow-qa``: lint, inspect, generate and check; run-time commands are delegated.

Every command reads documents with the same parser and prints problems as
``path:line: level: code: message``. Folders come from ``[tool.dataflow-qa]``
(:mod:`dataflow_qa.generator.project`); flags override it. Exit status: 0
fine, 1 problems found, 2 bad usage (nothing was written).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import shlex
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dataflow_qa import __version__
from dataflow_qa.generator import jsonform
from dataflow_qa.generator.batch import BatchError, digest_all, display_paths, prepare_parser, up_to_date
from dataflow_qa.generator.cache import DEFAULT_FOLDER as DEFAULT_CACHE
from dataflow_qa.generator.cache import ENV_FOLDER as ENV_CACHE
from dataflow_qa.generator.cache import Cache, generator_fingerprint
from dataflow_qa.generator.drift import semantic_diff
from dataflow_qa.generator.lint import across_documents, exit_status, in_print_order, lint, tally
from dataflow_qa.generator.model import Diagnostic, ParseResult
from dataflow_qa.generator.output import MANIFEST, Plan, changed_files, plan_summaries, read_manifest, stale_files, write
from dataflow_qa.generator.files import any_documents, find_documents
from dataflow_qa.generator.project import Project, ProjectError, load_project
from dataflow_qa.generator.watch import DEFAULT_INTERVAL, watch

DELEGATED: dict[str, tuple[str, str]] = {
    "init": ("dataflow_qa.generator.init", "set up a documentation repository: configuration, .gitignore, a CI workflow"),
    "fakes": ("dataflow_qa.fakes.cli", "serve the built-in fake systems over loopback HTTP ('fakes serve --help')"),
    "engine": ("dataflow_qa.engine.cli", "run the reference sync engine against configured systems ('engine run --help')"),
    "preflight": ("dataflow_qa.targets.preflight", "try every call a sandbox run makes, per system and entity, and clean up"),
    "reap": ("dataflow_qa.targets.reap", "delete records a sandbox run left behind"),
    "mutate": ("dataflow_qa.engine.mutate", "run the suite once per named sync fault and show which checks catch it"),
}
"""Commands with their own argument parsers: name -> (module with ``main(argv)``, help)."""


class UsageProblem(Exception):
    """Bad input found before anything was written: printed as ``error: ...``, exit 2."""


def display_path(path: Path) -> str:
    """A path as users typed it: relative to the working folder when inside it."""
    return display_paths([path])[0]


def read(paths: Sequence[str]) -> tuple[list[ParseResult], list[Diagnostic]]:
    """Parse the given files and folders; return results and all diagnostics."""
    from dataflow_qa.generator.parse import DocumentParser  # docutils: imported only by the commands that parse

    files = find_documents(list(paths))
    missing = [p for p in files if not p.exists()]
    parser = DocumentParser()
    results = [parser.parse_file(p, display_path(p)) for p in files if p.exists()]
    diagnostics = lint(results)
    diagnostics += [Diagnostic(display_path(p), 1, "error", "no-such-file", "file not found; check the path") for p in missing]
    return results, diagnostics


def print_diagnostics(diagnostics: Sequence[Diagnostic], levels: set[str] | None = None, counts: Mapping[str, int] | None = None) -> None:
    """Compiler-style lines on stderr, then a one-line count (``counts``, when only some diagnostics are at hand)."""
    shown = [d for d in diagnostics if levels is None or d.level in levels]
    for diagnostic in shown:
        print(diagnostic, file=sys.stderr)
    counts = counts or tally(diagnostics)
    print(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes", file=sys.stderr)


def documents_argument(paths: Sequence[str], project: Project) -> list[str]:
    """The documents to read: the arguments, else the configured folder; refuse what holds none.

    A missing path, or a set of paths holding no ``*.rst`` document, is a
    :class:`UsageProblem`: generating from it would remove every module.
    """
    chosen = list(paths) or [display_path(project.specs)]
    missing = [p for p in chosen if not Path(p).exists()]
    if missing:
        if paths:
            raise UsageProblem(f"{', '.join(missing)}: no such file or folder; check the path (nothing was written)")
        raise UsageProblem(f"{missing[0]}: no such folder (the documents folder, from {project.describe('specs')}); "
                           "name the documents folder as an argument or set specs in [tool.dataflow-qa] (nothing was written)")
    if not any_documents(chosen):
        raise UsageProblem(f"no dataflow documents (*.rst) in {', '.join(chosen)}; put the documents there or name their folder "
                           "(nothing was written)")
    return chosen


def cmd_lint(args: argparse.Namespace) -> int:
    results, diagnostics = read(args.paths or documents_argument([], args.project))
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


@dataclass
class _Generation:
    """The planned tree, the documents' errors and how many diagnostics of each level they have."""

    target: Plan
    errors: list[Diagnostic]
    counts: dict[str, int]
    cache: Cache | None


def _generation_plan(args: argparse.Namespace) -> _Generation:
    """Plan the tree; documents with errors are held back: their old module stays as it was.

    Unchanged documents come from the cache's digests (neither parsed nor
    loaded whole); the others are parsed and rendered on every core.
    """
    cache = None if args.no_cache else Cache()
    digested = digest_all(args.documents, cache=cache, jobs=args.jobs)
    across = across_documents([d.heading for d in digested.digests if d.heading is not None])
    missing = [Diagnostic(p, 1, "error", "no-such-file", "file not found; check the path") for p in digested.missing]
    errors = in_print_order([e for d in digested.digests for e in d.errors] + [d for d in across if d.level == "error"] + missing)
    counts = dict(tally(across + missing))
    for digest in digested.digests:
        for level, count in zip(("error", "warning", "info"), digest.counts):
            counts[level] += count
    summaries = [d.summary for d in digested.digests if d.summary is not None]
    failed = [d.path for d in digested.digests if d.summary is None]
    target = plan_summaries(summaries, failed, Path(args.out), digested.load, generator_fingerprint(), cache)
    return _Generation(target, errors, counts, cache)


def cmd_generate(args: argparse.Namespace) -> int:
    try:
        generation = _generation_plan(args)
    except BatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    target = generation.target
    stats = generation.cache.stats("outputs") if generation.cache is not None else None
    try:
        written, deleted = write(target, stats)
    except (OSError, BatchError) as exc:  # BatchError: a document changed while its module was read back
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if stats is not None:
            stats.save()
    print_diagnostics(generation.errors, {"error"}, generation.counts)
    print(f"{len(written)} files written, {len(deleted)} removed, {len(target.names()) - len(written)} unchanged in {args.out}")
    return exit_status(generation.errors)


def cmd_watch(args: argparse.Namespace) -> int:
    """Generate, then again on every change to the documents, until Ctrl-C (exit status: the last generation's)."""
    def say(line: str) -> None:
        print(line, flush=True)

    prepare_parser(None if args.no_cache else Cache())
    status = watch(args.documents, lambda: cmd_generate(args), _pause, say, args.interval)
    print("stopped", file=sys.stderr)
    return status


def _pause(seconds: float) -> bool:
    time.sleep(seconds)
    return True


def cmd_check(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if not args.no_cache:
        verdict = up_to_date(args.documents, out, Cache())
        if verdict.up_to_date:
            print(f"{args.out} is up to date with {verdict.documents} documents (by their hashes)")
            return 0
    try:
        generation = _generation_plan(args)
        target, diagnostics = generation.target, generation.errors
        stats = generation.cache.stats("outputs") if generation.cache is not None else None
        changed, stale = changed_files(target, stats), stale_files(target)
    except BatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if stats is not None:
        stats.save()
    print_diagnostics(diagnostics, {"error"}, generation.counts)
    if changed == [MANIFEST] and not stale and _same_but_fingerprint(read_manifest(out), target.manifest):
        return _up_to_date(args.out, target.documents, diagnostics, "; its manifest names another generator build (generate refreshes it)")
    if not changed and not stale:
        return _up_to_date(args.out, target.documents, diagnostics)
    print(f"{args.out} is stale; run: {generate_command(args)}", file=sys.stderr)
    for line in semantic_diff(read_manifest(out), target.manifest):
        print(f"  {line}", file=sys.stderr)
    for name in changed:
        print(f"  {out / name}: {'differs' if (out / name).exists() else 'missing'}", file=sys.stderr)
    for name in stale:
        print(f"  {out / name}: its document is gone; generate removes it", file=sys.stderr)
    return 1


def _up_to_date(out: str, documents: int, diagnostics: Sequence[Diagnostic], note: str = "") -> int:
    """Say the suite is up to date, and why check still fails when documents have errors."""
    errors = sum(d.level == "error" for d in diagnostics)
    if errors:
        print(f"{out} is up to date with {documents} documents{note}, but the documents have {errors} error(s) (above): "
              "their old modules were kept; fix them and run dataflow-qa generate", file=sys.stderr)
        return 1
    print(f"{out} is up to date with {documents} documents{note}")
    return 0


def generate_command(args: argparse.Namespace) -> str:
    """The ``generate`` command that brings this ``check``'s output up to date: the same documents and folder."""
    words = ["dataflow-qa", "generate", *args.specs]
    if args.out_given:
        words += ["--out", args.out]
    return shlex.join(words)


def _same_but_fingerprint(old: dict, new: dict) -> bool:
    """Equal manifests but for the generator build (fingerprint, version: another build, same output)."""
    build = ("fingerprint", "version", "content_sha256")
    return {k: v for k, v in old.items() if k not in build} == {k: v for k, v in new.items() if k not in build}


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="dataflow-qa", description="QA suites from Sesam Talk dataflow documents. "
                                     "Folders come from [tool.dataflow-qa] in pyproject.toml; flags override it.")
    parser.add_argument("--version", action="version", version=f"dataflow-qa {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lint_p = sub.add_parser("lint", help="report problems in documents")
    lint_p.add_argument("paths", nargs="*", help="files or folders (default: the configured documents folder)")
    lint_p.add_argument("--strict", action="store_true", help="fail on warnings too")
    lint_p.set_defaults(run=cmd_lint)

    inspect_p = sub.add_parser("inspect", help="print the parsed model")
    inspect_p.add_argument("paths", nargs="+", help="files or folders")
    inspect_p.add_argument("--json", action="store_true", help="machine-readable output")
    inspect_p.set_defaults(run=cmd_inspect)

    for name, run, text in (("generate", cmd_generate, "write the pytest suite"), ("check", cmd_check, "fail if the suite is stale"),
                            ("watch", cmd_watch, "generate, then again whenever a document changes (Ctrl-C stops)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("specs", nargs="*", help="files or folders (default: the configured documents folder, specs/)")
        p.add_argument("--out", default=None, help="output folder (default: the configured one, generated_tests/)")
        p.add_argument("--jobs", "-j", type=_positive, default=None, metavar="N", help="processes that parse changed documents (default: one per core)")
        p.add_argument("--no-cache", action="store_true", help=f"parse every document again (and, for check, skip the hash-only fast path); the cache is {DEFAULT_CACHE}/ or ${ENV_CACHE}")
        if name == "watch":
            p.add_argument("--interval", type=_seconds, default=DEFAULT_INTERVAL, metavar="SECONDS",
                           help=f"seconds between looks at the documents (default {DEFAULT_INTERVAL:g})")
        p.set_defaults(run=run)

    for name, (_, text) in DELEGATED.items():
        sub.add_parser(name, help=text, add_help=False)
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.01 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"expected seconds between 0.01 and 3600, got {text!r}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dataflow-qa`` console script (``argv`` None: the process's own arguments).

    Run as the program, it moves what exists at its start (the imported
    modules) and at its end out of the garbage collector's sight: they live
    until the process ends, and every collection pass, the interpreter's at
    exit included, would otherwise walk them all (a sixth of a run after a
    one-document edit).
    """
    if argv is None:
        gc.freeze()
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    finally:
        if argv is None:
            gc.freeze()


def _main(argv: list[str]) -> int:
    """:func:`main` with its arguments."""
    try:
        if argv and argv[0] in DELEGATED:
            return int(importlib.import_module(DELEGATED[argv[0]][0]).main(argv[1:]))
        args = build_parser().parse_args(argv)
        args.project = load_project()
        if args.command in ("generate", "check", "watch"):
            args.out_given = args.out is not None
            args.out = args.out or display_path(args.project.out)
            args.documents = documents_argument(args.specs, args.project)
        return int(args.run(args))
    except (ProjectError, UsageProblem) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""``epam scheme export|import|show``: a project's coding scheme (labels, kinds, categories, modifiers) as a file."""
from __future__ import annotations

import argparse
import json
import sys

HELP = ("export a project's coding scheme (labels as state or point events, categories, exclusive groups, modifiers, "
        "keys, colours) to a JSON file, import one into a project, or print one")


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="scheme_action", metavar="ACTION", parser_class=type(p))
    sub.required = True
    exp = sub.add_parser("export", help="write the project's coding scheme to FILE.json")
    exp.add_argument("project", metavar="PROJECT")
    exp.add_argument("file", metavar="FILE.json")
    imp = sub.add_parser("import", help="merge a scheme into the project's label set (labels of the same name take "
                                        "the scheme's kind, category, key, colour and modifiers; others stay)")
    imp.add_argument("project", metavar="PROJECT")
    imp.add_argument("file", metavar="FILE", help="a scheme .json, or a shipped one: classroom, rehabilitation, "
                                                 "ntu60, ntu120")
    show = sub.add_parser("show", help="print a scheme (a project, a .json file or a shipped name)")
    show.add_argument("source", metavar="PROJECT|FILE|NAME")
    show.add_argument("--json", action="store_true", help="print the scheme file's JSON")


def _print(scheme) -> None:
    groups = [("", None)] + [(c.name, c) for c in scheme.categories]
    for name, cat in groups:
        labels = [lab for lab in scheme.labels if lab.category == name]
        if not labels:
            continue
        print(f"{name}{' (exclusive)' if cat is not None and cat.exclusive else ''}:" if name else "(no category):")
        for lab in labels:
            mods = ", ".join(lab.values) + (" + free text" if lab.free else "") if lab.values or lab.free else ""
            print(f"  {lab.key or '-':>3s}  {lab.name:28s} {lab.kind:5s}" + (f"  [{mods}]" if mods else ""))


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..project import ApplyScheme, ProjectError, ProjectStore
    from ..project.scheme import load_scheme, project_scheme, write_scheme

    if args.scheme_action == "export":
        with ProjectStore.open(args.project, read_only=True) as store:
            scheme = project_scheme(store)
        write_scheme(scheme, args.file)
        print(f"wrote {args.file} ({len(scheme.labels)} labels, {len(scheme.categories)} categories)")
        return 0
    if args.scheme_action == "import":
        scheme = load_scheme(args.file)
        with ProjectStore.open(args.project) as store:
            if store.read_only:
                raise ProjectError(store.write_refusal)
            before = {lab.name.casefold() for lab in store.labels()}
            ApplyScheme(scheme, Path(args.file).name).apply(store)
            added = sum(lab.name.casefold() not in before for lab in scheme.labels)
        print(f"imported {Path(args.file).name} into {args.project}: {added} labels added, "
              f"{len(scheme.labels) - added} updated, {len(scheme.categories)} categories")
        return 0
    source = args.source
    if str(source).endswith(".epam"):
        with ProjectStore.open(source, read_only=True) as store:
            scheme = project_scheme(store)
    else:
        scheme = load_scheme(source)
    if args.json:
        json.dump(scheme.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        _print(scheme)
    return 0

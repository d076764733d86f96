"""``epam labels import PROJECT FILE.csv|FILE.json``."""
from __future__ import annotations

import argparse

HELP = "add the segments of a CSV or JSON file to a project (the whole file is checked first; all or nothing)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("file", metavar="FILE", help="FILE.csv or FILE.json with the columns of 'epam labels export'")


def run(args: argparse.Namespace) -> int:
    from ..project import ProjectError, ProjectStore
    from ..project.io import import_labels

    with ProjectStore.open(args.project) as store:
        if store.read_only:
            raise ProjectError(store.read_only_reason.replace("it is opened read-only", "close it there first"))
        n = import_labels(store, args.file)
    print(f"imported {n} segment{'s' if n != 1 else ''} into {args.project}")
    return 0

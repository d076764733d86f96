"""``epam labels export PROJECT -o FILE.csv|FILE.json``."""
from __future__ import annotations

import argparse

HELP = "write a project's segments to a CSV or JSON file"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.csv or FILE.json")


def run(args: argparse.Namespace) -> int:
    from ..project import ProjectStore
    from ..project.io import export_labels

    with ProjectStore.open(args.project, read_only=True) as store:
        n = export_labels(store, args.output)
    print(f"wrote {n} segment{'s' if n != 1 else ''} to {args.output}")
    return 0

"""``epam labels import PROJECT FILE.csv|FILE.json``."""
from __future__ import annotations

import argparse
import sys

HELP = ("add the segments of a CSV or JSON file to a project (all or nothing: a bad row imports nothing); "
        "CSV separated by commas, semicolons or tabs")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("file", metavar="FILE", help="FILE.csv or FILE.json with the columns of 'epam labels export'")


def run(args: argparse.Namespace) -> int:
    from ..project import ProjectError, ProjectStore
    from ..project.io import ImportReport, import_labels

    report = ImportReport()
    with ProjectStore.open(args.project) as store:
        if store.read_only:
            raise ProjectError(store.write_refusal)
        n = import_labels(store, args.file, report=report)
    print(f"imported {n} segment{'s' if n != 1 else ''} into {args.project}")
    for warning in report.warnings():
        sys.stderr.write(f"epam: warning: {warning}\n")
    return 0

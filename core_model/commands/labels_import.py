"""``epam labels import PROJECT FILE [--format auto|csv|json|boris|elan|cvat|labelstudio] [--strict]``."""
from __future__ import annotations

import argparse
import sys

HELP = ("add the segments of a label file to a project (all or nothing: a bad row imports nothing): the project's "
        "CSV (commas, semicolons or tabs) or JSON, a BORIS project or tabular events export, an ELAN .eaf, "
        "CVAT for video 1.1 XML or Label Studio video JSON")


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ..interop import CHOICES

    p.add_argument("project", metavar="PROJECT")
    p.add_argument("file", metavar="FILE", help="FILE.csv or FILE.json with the columns of 'epam labels export', "
                                                "or another tool's file (see --format)")
    p.add_argument("--format", default="auto", choices=CHOICES,
                   help="the file's format (default: auto, from the suffix and the first bytes)")
    p.add_argument("--strict", action="store_true",
                   help="refuse a file whose behaviours/labels are not all in the project's label set "
                        "(default: add them to the label set)")
    p.add_argument("--coder", metavar="NAME", help="author of rows without one (default: $EPAM_CODER or the login)")


def run(args: argparse.Namespace) -> int:
    from ..interop import import_file
    from ..project import ProjectError, ProjectStore

    with ProjectStore.open(args.project, author=getattr(args, "coder", None)) as store:
        if store.read_only:
            raise ProjectError(store.write_refusal)
        report = import_file(store, args.file, getattr(args, "format", "auto"), strict=getattr(args, "strict", False))
    n = report.imported
    print(f"imported {n} segment{'s' if n != 1 else ''} into {args.project}")
    for line in report.mapped:
        print(line)
    for warning in report.warnings():
        sys.stderr.write(f"epam: warning: {warning}\n")
    return 0

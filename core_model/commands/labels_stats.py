"""``epam labels stats PROJECT``: time budget per label, video and person."""
from __future__ import annotations

import argparse
import csv
import json

HELP = ("time budget per label, video and person: total time, share of the video, bouts, mean bout length; point "
        "events: count and rate per minute; --modifiers: per label and modifier")

COLUMNS = ("video", "person", "label", "seconds", "share", "bouts", "mean_bout", "coder", "kind", "events",
           "rate_per_min")  # per coder; a point event's label: events and rate, no time


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--csv", metavar="FILE", help="also write the table to FILE (CSV)")
    p.add_argument("--modifiers", action="store_true",
                   help="per label and modifier: events, time and rate per minute (with --csv: that table)")
    p.add_argument("--by", choices=("track", "subject"), default="track",
                   help="per video and track (default), or per named subject across videos")


def write_csv(path, budgets) -> None:
    """The budgets as CSV, written aside and renamed (text cells escaped against formulas: core_model.csv_safe)."""
    from ..csv_safe import escape_dict
    from ..fileio import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for b in budgets:
            writer.writerow(escape_dict(b.to_dict()))


def run(args: argparse.Namespace) -> int:
    from ..project import ProjectStore
    from ..review.project_review import project_budgets
    from ..review.stats import summarize

    if args.by == "subject":
        from .subjects_stats import run_by_subject

        return run_by_subject(args)
    if getattr(args, "modifiers", False):
        from .labels_stats_modifiers import run_modifiers

        return run_modifiers(args)
    with ProjectStore.open(args.project, read_only=True) as store:
        budgets = project_budgets(store)
    if args.csv:
        try:
            write_csv(args.csv, budgets)
        except OSError as exc:
            from ..errors import ConfigError
            raise ConfigError(f"Cannot write '{args.csv}': {exc.strerror or exc}.") from exc
    if args.json:
        print(json.dumps({"budgets": [b.to_dict() for b in budgets], "per_label": summarize(budgets, "label")}))
        return 0
    if not budgets:
        print("no labels yet")
        return 0
    print(f"{'video':28s} {'person':>6s} {'label':28s} {'time':>9s} {'share':>6s} {'bouts':>5s} {'mean':>7s}  coder")
    for b in budgets:
        who = "all" if b.person == -1 else str(b.person)
        if b.kind == "point":  # a moment: counted, with its rate per minute
            print(f"{b.video[-28:]:28s} {who:>6s} {b.label[:28]:28s} {b.events:6d} ev {b.rate:5.2f}/m "
                  f"{'':5s} {'':7s}  {b.coder}")
            continue
        print(f"{b.video[-28:]:28s} {who:>6s} {b.label[:28]:28s} {b.seconds:8.1f}s {100 * b.share:5.1f}% "
              f"{b.bouts:5d} {b.mean_bout:6.1f}s  {b.coder}")
    return 0

"""``epam labels stats --by subject`` and ``epam labels agreement --by subject``: per named subject across videos
(the subject's tracks in every video; :mod:`core_model.review.subject_stats`)."""
from __future__ import annotations

import argparse
import csv
import json

SUBJECT_COLUMNS = ("subject", "label", "seconds", "share", "bouts", "mean_bout", "videos", "coder", "kind", "events",
                   "rate_per_min")  # a point event's label: events and rate, no time


def write_subject_csv(path, budgets) -> None:
    """The subject budgets as CSV, written aside and renamed (text cells escaped against formulas)."""
    from ..csv_safe import escape_dict
    from ..errors import ConfigError
    from ..fileio import atomic_path

    try:
        with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=SUBJECT_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for b in budgets:
                writer.writerow(escape_dict(b.to_dict()))
    except OSError as exc:
        raise ConfigError(f"Cannot write '{path}': {exc.strerror or exc}.") from exc


def run_by_subject(args: argparse.Namespace) -> int:
    from ..project import ProjectStore
    from ..review.subject_stats import subject_budgets, summarize_subjects

    with ProjectStore.open(args.project, read_only=True) as store:
        budgets = subject_budgets(store)
        no_subjects = not store.subjects()
    if args.csv:
        write_subject_csv(args.csv, budgets)
    if args.json:
        print(json.dumps({"budgets": [b.to_dict() for b in budgets], "per_subject": summarize_subjects(budgets)}))
        return 0
    if not budgets:
        print("no subjects yet (epam subjects add PROJECT NAME)" if no_subjects
              else "no labels on tracks assigned to subjects yet")
        return 0
    print(f"{'subject':20s} {'label':28s} {'time':>9s} {'share':>6s} {'bouts':>5s} {'mean':>7s} {'videos':>6s}  coder")
    for b in budgets:
        if b.kind == "point":  # a moment: counted, with its rate per minute of the subject's videos
            print(f"{b.subject[:20]:20s} {b.label[:28]:28s} {b.events:6d} ev {b.rate:5.2f}/m {'':5s} {'':7s} "
                  f"{b.videos:6d}  {b.coder}")
            continue
        print(f"{b.subject[:20]:20s} {b.label[:28]:28s} {b.seconds:8.1f}s {100 * b.share:5.1f}% {b.bouts:5d} "
              f"{b.mean_bout:6.1f}s {b.videos:6d}  {b.coder}")
    return 0


def print_agreement_by_subject(store, sides, as_json: bool) -> int:
    """Agreement over each subject's tracks (all videos): one JSON object, or a table per subject."""
    from ..review.agreement_errors import AgreementError
    from ..review.subject_stats import subject_agreement

    if not store.subjects():
        raise AgreementError("The project has no subjects yet: add them (epam subjects add) and assign tracks.")
    overall, per_subject = subject_agreement(store, sides)
    if as_json:
        print(json.dumps({"between": list(sides), "overall": overall.to_dict(),
                          "subjects": {name: r.to_dict() for name, r in per_subject.items()}}))
        return 0
    for name, report in [(f"{overall.reference} vs {overall.other}, all subjects", overall), *per_subject.items()]:
        print(f"{'' if report is overall else '  '}{name}: {report.frames} frames, accuracy "
              f"{_figure(report.accuracy)}, kappa {_figure(report.kappa)}")
    return 0


def _figure(value: float) -> str:
    """Three decimals, or "undefined" (NaN), as ``epam labels agreement`` writes them."""
    return "undefined" if value != value else f"{value:.3f}"

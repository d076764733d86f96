"""The review figures as plain tables (header + rows) and CSV files written aside and renamed.

Shared by the studio's CSV export and anything else that wants the numbers in a spreadsheet.
"""
from __future__ import annotations

import csv
from typing import Iterable, List, Sequence, Tuple

from .agreement import AgreementReport
from .stats import Budget

Table = Tuple[List[str], List[list]]

BUDGET_COLUMNS = ["video", "person", "label", "seconds", "share", "bouts", "mean_bout", "coder", "kind", "events",
                  "rate_per_min"]


def budget_table(budgets: Iterable[Budget]) -> Table:
    """One row per (video, person, label, coder) budget (person -1 = everybody)."""
    rows = []
    for b in budgets:
        d = b.to_dict()
        rows.append([d[c] for c in BUDGET_COLUMNS])
    return list(BUDGET_COLUMNS), rows


def per_class_table(report: AgreementReport) -> Table:
    """class, precision, recall, f1, support (frames of the class on the reference side)."""
    rows = [[name, round(m["precision"], 6), round(m["recall"], 6), round(m["f1"], 6), int(m["support"])]
            for name, m in report.per_class.items()]
    return ["class", "precision", "recall", "f1", "support"], rows


def confusion_table(report: AgreementReport) -> Table:
    """The confusion matrix with names: rows = reference (human), columns = the other side (model)."""
    header = [f"{report.reference} \\ {report.other}"] + list(report.classes)
    rows = [[name] + [int(v) for v in report.confusion[i]] for i, name in enumerate(report.classes)]
    return header, rows


def write_csv(path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write one table as CSV (UTF-8), to a temporary sibling renamed over ``path``; text cells that a
    spreadsheet would run as a formula get a leading ``'`` (:mod:`core_model.csv_safe`), numbers stay as they are."""
    from ..csv_safe import escape_row
    from ..fileio import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(escape_row(header))
        for row in rows:
            writer.writerow(escape_row(row))

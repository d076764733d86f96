"""Class balance of a set: clips and seconds per class and split, as JSON and as a text table."""
from __future__ import annotations

from typing import List, Sequence

from .layout import SPLITS, SetRow


def balance(rows: Sequence[SetRow], classes: Sequence[str]) -> dict:
    """Per class and split: ``{"classes": [{"label", "train_clips", "train_seconds", "val_clips", ...}],
    "total": {...}, "notes": [...]}``."""
    table = []
    total = {f"{s}_{k}": 0 for s in SPLITS for k in ("clips", "seconds")}
    for index, name in enumerate(classes):
        entry = {"label": name, "label_index": index}
        for split in SPLITS:
            mine = [r for r in rows if r.label_index == index and r.split == split]
            entry[f"{split}_clips"] = len(mine)
            entry[f"{split}_seconds"] = round(sum(r.seconds for r in mine), 3)
            total[f"{split}_clips"] += len(mine)
            total[f"{split}_seconds"] += entry[f"{split}_seconds"]
        table.append(entry)
    total = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in total.items()}
    return {"classes": table, "total": total, "notes": balance_notes(table, total)}


def balance_notes(table: List[dict], total: dict) -> List[str]:
    """Warnings a user should see before training on the set."""
    notes = []
    if total["val_clips"] == 0:
        notes.append("The val split is empty: there is nothing to validate on (more videos or people are needed).")
    missing = [e["label"] for e in table if e["train_clips"] == 0]
    if missing:
        notes.append(f"No training clips for: {', '.join(missing)}.")
    counts = [e["train_clips"] for e in table if e["train_clips"] > 0]
    if counts and max(counts) >= 5 * min(counts):
        notes.append(f"Classes are unbalanced: {min(counts)} to {max(counts)} training clips per class.")
    return notes


def balance_text(report: dict) -> str:
    """The report as an aligned text table."""
    head = ("label", "train clips", "train s", "val clips", "val s")
    lines = [[e["label"], str(e["train_clips"]), f"{e['train_seconds']:.1f}", str(e["val_clips"]),
              f"{e['val_seconds']:.1f}"] for e in report["classes"]]
    t = report["total"]
    lines.append(["total", str(t["train_clips"]), f"{t['train_seconds']:.1f}", str(t["val_clips"]),
                  f"{t['val_seconds']:.1f}"])
    widths = [max(len(head[i]), *(len(row[i]) for row in lines)) for i in range(len(head))]

    def fmt(row):
        return "  ".join(row[0].ljust(widths[0]) if i == 0 else row[i].rjust(widths[i]) for i in range(len(row)))

    out = [fmt(head), "  ".join("-" * w for w in widths)] + [fmt(r) for r in lines]
    out += [f"note: {n}" for n in report["notes"]]
    return "\n".join(out) + "\n"

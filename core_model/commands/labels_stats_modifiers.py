"""``epam labels stats PROJECT --modifiers``: events, time and rate per minute per label and modifier."""
from __future__ import annotations

import argparse
import csv
import json

COLUMNS = ("video", "person", "label", "modifier", "kind", "events", "seconds", "rate_per_min", "coder")


def run_modifiers(args: argparse.Namespace) -> int:
    from ..project import ProjectStore
    from ..review.stats import modifier_budgets, summarize_modifiers

    with ProjectStore.open(args.project, read_only=True) as store:
        rows = modifier_budgets(store)
    if args.csv:
        from ..csv_safe import escape_dict
        from ..errors import ConfigError
        from ..fileio import atomic_path

        try:
            with atomic_path(args.csv) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=COLUMNS)
                writer.writeheader()
                for r in rows:
                    writer.writerow(escape_dict(r.to_dict()))
        except OSError as exc:
            raise ConfigError(f"Cannot write '{args.csv}': {exc.strerror or exc}.") from exc
    if args.json:
        per_coder = {c: summarize_modifiers(r for r in rows if r.coder == c) for c in sorted({r.coder for r in rows})}
        print(json.dumps({"modifiers": [r.to_dict() for r in rows], "per_coder": per_coder}))
        return 0
    if not rows:
        print("no labels yet")
        return 0
    print(f"{'label':24s} {'modifier':20s} {'events':>6s} {'time':>9s}  coder")
    for coder in sorted({r.coder for r in rows}):  # two coders are never added together
        for label, mods in summarize_modifiers(r for r in rows if r.coder == coder).items():
            for modifier, v in mods.items():
                time = f"{v['seconds']:8.1f}s" if v["seconds"] else f"{'':9s}"
                print(f"{label[:24]:24s} {(modifier or '(none)')[:20]:20s} {int(v['events']):6d} {time}  {coder}")
    return 0

"""``epam compare RESULTS_A RESULTS_B [--json]``: two analyses of one video side by side.

Where their predictions differ (spans of frames per person, with times, the class in A and in B), frames per
class, and how far their attention agrees on the windows both have (top-1 agreement, correlation of the spatial
maps and of the temporal attention). The comparison is :func:`core_model.review.compare.compare_analyses`.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = "compare two analyses of one video: where their predictions differ and how far their attention agrees"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results_a", metavar="RESULTS_A", help="a results folder (written by epam analyze -o)")
    p.add_argument("results_b", metavar="RESULTS_B", help="another results folder of the same video")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def load_results(folder: str, side: str):
    """The :class:`AnalysisResult` in ``folder``; one sentence when it is missing or not a results folder."""
    from ..analysis.results import ARRAYS_FILE, SUMMARY_FILE, AnalysisResult, ResultsError

    path = Path(folder)
    if not path.exists():
        raise ResultsError(f"Results folder {side} '{folder}' does not exist.")
    if not path.is_dir():
        raise ResultsError(f"Results {side} '{folder}' is not a folder (give the folder epam analyze -o wrote).")
    missing = [name for name in (SUMMARY_FILE, ARRAYS_FILE) if not (path / name).is_file()]
    if missing:
        raise ResultsError(f"'{folder}' is not an analysis results folder (it has no {' or '.join(missing)}).")
    return AnalysisResult.load(path)


def _figure(value: float, what: str = "") -> str:
    return "undefined" + (f" ({what})" if what else "") if value != value else f"{value:.3f}"


def format_comparison(cmp) -> str:
    """The readable report of an :class:`~core_model.review.compare.AnalysisComparison`."""
    from ..formatting import format_percent, format_time
    from ..review.compare import person_name

    a, b, att = cmp.a, cmp.b, cmp.attention
    video = a.summary.get("video", {})
    lines = [f"A: {a.path}  (model {a.model}, {a.num_windows} windows)",
             f"B: {b.path}  (model {b.model}, {b.num_windows} windows)",
             f"Video: {video.get('name', '?')}, {a.frame_count} frames at {a.fps:g} fps",
             "",
             f"Predictions differ on {cmp.frames_differing} of {cmp.frames_compared} frames "
             f"({format_percent(cmp.frames_differing / cmp.frames_compared if cmp.frames_compared else None)}; "
             f"{len(cmp.people)} lane{'s' if len(cmp.people) != 1 else ''}: "
             f"{', '.join(person_name(p) for p in cmp.people)})" + (":" if cmp.differences else ".")]
    if cmp.differences:
        lines.append(f"  {'person':10s} {'frames':>13s}  {'time':21s}  {'A':24s} B")
        for d in cmp.differences:
            frames = f"{d.start_frame}–{d.end_frame}"
            times = f"{format_time(d.start_time, 3)}–{format_time(d.end_time, 3)}"
            lines.append(f"  {person_name(d.person):10s} {frames:>13s}  {times:21s}  {d.class_a[:24]:24s} {d.class_b}")
    lines += ["", "Frames per class (A → B):"]
    lines += [f"  {c.name[:32]:32s} {c.frames_a:7d} → {c.frames_b:<7d} ({c.change:+d})" for c in cmp.per_class]
    lines += ["", f"Attention on the {att.windows} window{'s' if att.windows != 1 else ''} both have:",
              f"  top-1 agreement        {format_percent(att.top1_agreement)}",
              f"  spatial correlation    {_figure(att.spatial_correlation, 'no maps to correlate')}"
              + (f"  (mean over {att.spatial_maps} maps)" if att.spatial_maps else ""),
              f"  temporal correlation   {_figure(att.temporal_correlation, 'no curves to correlate')}"
              + (f"  (mean over {att.temporal_windows} windows)" if att.temporal_windows else "")]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..review.compare import compare_analyses

    a, b = load_results(args.results_a, "A"), load_results(args.results_b, "B")
    cmp = compare_analyses(a, b)
    for warning in cmp.warnings:
        sys.stderr.write(f"epam: warning: {warning}\n")
    if args.json:
        print(json.dumps(cmp.to_dict(), ensure_ascii=False))
    else:
        print(format_comparison(cmp))
    return 0

"""``epam labels agreement PROJECT``: frame-level agreement, model vs human or between two authors; with
``--tolerance SECONDS`` also the two authors' events matched within a time tolerance (as BORIS)."""
from __future__ import annotations

import argparse
import json

HELP = "agreement between the model and the human labels, or between two authors (accuracy, kappa, F1)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--between", default="model,human", metavar="A,B",
                   help="model,human (default) or author:A,author:B")
    p.add_argument("--video", action="append", default=None, metavar="V",
                   help="only this video (its name or path in the project; repeatable)")
    p.add_argument("--tolerance", type=float, default=None, metavar="SECONDS",
                   help="also match the two authors' events (same label, start and stop within ±SECONDS) and "
                        "report matched / only A / only B, the share matched and kappa (as BORIS)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--by", choices=("video", "subject"), default="video",
                   help="per video (default), or per named subject across videos (the frames of its tracks)")


def _video_ids(store, names):
    if not names:
        return None
    from ..review.agreement_errors import AgreementError
    ids = []
    for name in names:
        match = [v.id for v in store.videos() if name in (v.rel_path, v.name, str(v.path))]
        if not match:
            raise AgreementError(f"The project has no video '{name}'.")
        ids.extend(match)
    return ids


def figure(value: float) -> str:
    """A figure with three decimals, or "undefined" (NaN: e.g. kappa when both sides used one class)."""
    return "undefined" if value != value else f"{value:.3f}"


def _check_authors(store, sides) -> None:
    """Refuse an ``author:NAME`` side for an author without labels in the project (naming them)."""
    from ..review.agreement_errors import AgreementError
    from ..review.project_review import parse_side, project_authors

    authors = project_authors(store)
    missing = [name for kind, name in map(parse_side, sides) if kind == "author" and name not in authors]
    if not missing:
        return
    who = (f"author '{missing[0]}'" if len(missing) == 1
           else "authors " + " and ".join(f"'{m}'" for m in missing))
    known = f"authors with labels: {', '.join(authors)}" if authors else "no labels have an author"
    raise AgreementError(f"The project has no labels by {who} ({known}).")


def format_report(report, title: str) -> str:
    """A readable table of one agreement report."""
    if report.frames == 0:
        return f"{title}: no frames to compare"
    lines = [f"{title}: {report.frames} frames, accuracy {figure(report.accuracy)}, kappa {figure(report.kappa)}",
             f"  {'class':32s} {'precision':>9s} {'recall':>7s} {'f1':>6s} {'frames':>8s}"]
    for name, m in report.per_class.items():
        lines.append(f"  {name[:32]:32s} {m['precision']:9.3f} {m['recall']:7.3f} {m['f1']:6.3f} {int(m['support']):8d}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..project import ProjectStore
    from ..review.agreement_errors import AgreementError
    from ..review.project_review import parse_side, project_agreement

    sides = [s.strip() for s in args.between.split(",")]
    if len(sides) != 2 or sides[0] == sides[1]:
        raise AgreementError(f"--between needs two different sides such as model,human or author:A,author:B "
                             f"(got '{args.between}').")
    kinds = [parse_side(s)[0] for s in sides]
    if "human" in kinds and "model" not in kinds:
        raise AgreementError("Compare human with model, or two authors (author:A,author:B).")
    tolerance = _tolerance(args, kinds)
    events = None
    with ProjectStore.open(args.project, read_only=True) as store:
        _check_authors(store, sides)
        if getattr(args, "by", "video") == "subject":
            from .subjects_stats import print_agreement_by_subject

            return print_agreement_by_subject(store, sides, args.json)
        ids = _video_ids(store, args.video)
        overall, per_video = project_agreement(store, sides, ids)
        names = {v.id: v.rel_path for v in store.videos()}
        if tolerance is not None:
            from ..review.coder_agreement import project_tolerance_agreement

            events = project_tolerance_agreement(store, parse_side(sides[0])[1], parse_side(sides[1])[1],
                                                 tolerance, ids)
    if "model" in kinds and not per_video:
        raise AgreementError("Nothing to compare: no analysed video of the project has human labels.")
    if args.json:
        out = {"between": sides, "overall": overall.to_dict(),
               "videos": {names[v]: r.to_dict() for v, r in per_video.items()}}
        if events is not None:
            out["events"] = {"overall": events[0].to_dict(),
                             "videos": {names[v]: r.to_dict() for v, r in events[1].items()}}
        print(json.dumps(out))
        return 0
    print(format_report(overall, f"{overall.reference} vs {overall.other}, all videos"))
    for vid, report in per_video.items():
        print(f"  {names[vid]}: {report.frames} frames, accuracy {figure(report.accuracy)}, "
              f"kappa {figure(report.kappa)}")
    if events is not None:
        print(format_events(events[0], "all videos"))
        for vid, report in events[1].items():
            print("  " + format_events(report, names[vid]))
    return 0


def _tolerance(args, kinds):
    """``--tolerance`` checked: two authors, zero or more seconds (None when not given)."""
    from ..review.agreement_errors import AgreementError

    tolerance = getattr(args, "tolerance", None)
    if tolerance is None:
        return None
    if kinds != ["author", "author"]:
        raise AgreementError("--tolerance compares the events of two authors: use --between author:A,author:B.")
    if not tolerance >= 0 or tolerance == float("inf"):
        raise AgreementError(f"--tolerance needs zero or more seconds (got {tolerance:g}).")
    return float(tolerance)


def format_events(report, where: str) -> str:
    """One line: matched / only A / only B of a tolerance report, the share matched and kappa."""
    share = "undefined" if report.percent != report.percent else f"{report.percent:.1f} %"
    return (f"events within ±{report.tolerance:g} s, {where}: {report.matched} matched, {report.only_a} only "
            f"{report.coder_a}, {report.only_b} only {report.coder_b} ({report.confused} with another label), "
            f"{share} matched, kappa {figure(report.kappa)}")

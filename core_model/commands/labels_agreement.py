"""``epam labels agreement PROJECT``: frame-level agreement, model vs human or between two authors."""
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
    with ProjectStore.open(args.project, read_only=True) as store:
        _check_authors(store, sides)
        if getattr(args, "by", "video") == "subject":
            from .subjects_stats import print_agreement_by_subject

            return print_agreement_by_subject(store, sides, args.json)
        overall, per_video = project_agreement(store, sides, _video_ids(store, args.video))
        names = {v.id: v.rel_path for v in store.videos()}
    if "model" in kinds and not per_video:
        raise AgreementError("Nothing to compare: no analysed video of the project has human labels.")
    if args.json:
        print(json.dumps({"between": sides, "overall": overall.to_dict(),
                          "videos": {names[v]: r.to_dict() for v, r in per_video.items()}}))
        return 0
    print(format_report(overall, f"{overall.reference} vs {overall.other}, all videos"))
    for vid, report in per_video.items():
        print(f"  {names[vid]}: {report.frames} frames, accuracy {figure(report.accuracy)}, "
              f"kappa {figure(report.kappa)}")
    return 0

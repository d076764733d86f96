"""``epam labels export PROJECT -o FILE [--format auto|csv|json|boris|elan|cvat|labelstudio]``."""
from __future__ import annotations

import argparse

HELP = "write a project's segments to a CSV or JSON file, a BORIS project, an ELAN .eaf, CVAT XML or Label Studio JSON"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ..interop import CHOICES

    p.add_argument("project", metavar="PROJECT")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="FILE.csv, FILE.json, FILE.boris, FILE.eaf or FILE.xml (CVAT)")
    p.add_argument("--format", default="auto", choices=CHOICES,
                   help="the format (default: auto, from the suffix; .json is the project's own JSON)")
    p.add_argument("--video", metavar="NAME", help="only this video of the project (its name or path; an ELAN "
                                                   "file describes one video)")


def run(args: argparse.Namespace) -> int:
    from ..interop import export_file
    from ..project import ProjectStore

    with ProjectStore.open(args.project, read_only=True) as store:
        video_ids = None
        if getattr(args, "video", None):
            from .poses import _project_video

            video_ids = [_project_video(store, args.video)]
        n = export_file(store, args.output, getattr(args, "format", "auto"), video_ids=video_ids)
    print(f"wrote {n} segment{'s' if n != 1 else ''} to {args.output}")
    return 0

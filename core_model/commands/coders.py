"""``epam coders assign|unassign|list PROJECT``: which coder codes which video of a project."""
from __future__ import annotations

import argparse
import json
import sys

HELP = "assign videos of a project to coders, take them back, list who codes what"


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="coders_command", metavar="ACTION", parser_class=type(p))
    sub.required = True
    for name, text in (("assign", "assign videos to a coder"), ("unassign", "take videos from a coder")):
        sp = sub.add_parser(name, help=text, description=text)
        sp.add_argument("project", metavar="PROJECT")
        sp.add_argument("coder", metavar="CODER", help="the coder's name (the author of the labels they make)")
        sp.add_argument("--video", action="append", default=None, metavar="V", required=True,
                        help="a video of the project (its name or path in the project, or its id; repeatable)")
    sp = sub.add_parser("list", help="videos per coder and coders per video",
                        description="videos per coder and coders per video")
    sp.add_argument("project", metavar="PROJECT")
    sp.add_argument("--json", action="store_true", help="print one JSON object")


def video_ids(store, names) -> list:
    """Project video ids named by ``names`` (name, path as stored, full path or id); one sentence if unknown."""
    from ..project import ProjectError

    videos = store.videos()
    ids = []
    for name in names:
        match = [v.id for v in videos if name in (v.rel_path, v.name, str(v.path), str(v.id))]
        if not match:
            raise ProjectError(f"The project has no video '{name}'.")
        ids.extend(match)
    return ids


def listing(store) -> dict:
    """``{"coders": {coder: [video paths]}, "videos": {video path: [coders]}}``."""
    names = {v.id: v.rel_path for v in store.videos()}
    assigned = store.assigned_coders()
    coders = {c: [names[v] for v in store.coder_videos(c)] for c in store.coders()}
    return {"coders": coders, "videos": {names[v]: assigned.get(v, []) for v in sorted(names)}}


def run(args: argparse.Namespace) -> int:
    from ..project import History, ProjectError, ProjectStore
    from ..project.coders import AssignVideos, UnassignVideos

    if args.coders_command == "list":
        with ProjectStore.open(args.project, read_only=True) as store:
            out = listing(store)
        if args.json:
            json.dump(out, sys.stdout, ensure_ascii=False)
            sys.stdout.write("\n")
            return 0
        if not out["coders"]:
            print("no video is assigned to a coder")
        for coder, videos in out["coders"].items():
            print(f"{coder}: {len(videos)} video{'s' if len(videos) != 1 else ''}")
            for path in videos:
                print(f"  {path}")
        free = [p for p, c in out["videos"].items() if not c]
        if free and out["coders"]:
            print(f"not assigned: {', '.join(free)}")
        return 0
    with ProjectStore.open(args.project) as store:
        if store.read_only:
            raise ProjectError(store.write_refusal)
        ids = video_ids(store, args.video)
        edit = (AssignVideos if args.coders_command == "assign" else UnassignVideos)(ids, args.coder)
        History(store).do(edit)
    n = len(edit.changed or [])
    verb = "assigned to" if args.coders_command == "assign" else "taken from"
    print(f"{n} video{'s' if n != 1 else ''} {verb} {edit.coder}")
    return 0

"""``epam subjects list|add|rename|recolor|delete|assign|unassign``: a project's named subjects and their tracks."""
from __future__ import annotations

import argparse
import json
import sys

HELP = "named subjects of a project (a person followed across videos): list, add, rename, assign tracks"

EPILOG = """\
A subject ("Anna", "patient 07") is a person followed across the project's videos: tracks of any
video are assigned to it, and `epam labels stats --by subject`, `epam labels agreement --by subject`
and `epam export --subject NAME` then work per subject. VIDEO is a video's name, project path or id;
TRACK its track id (the person number shown on the skeleton).

  epam subjects add lessons.epam Anna
  epam subjects assign lessons.epam Anna lesson1.mp4 3
  epam subjects list lessons.epam --tracks
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = p.add_subparsers(dest="subjects_action", metavar="ACTION", parser_class=type(p))
    sub.required = True
    ls = sub.add_parser("list", help="the subjects with their colour, tracks and videos")
    ls.add_argument("project", metavar="PROJECT")
    ls.add_argument("--tracks", action="store_true", help="also list each subject's tracks (video and track id)")
    ls.add_argument("--json", action="store_true", help="print JSON")
    add = sub.add_parser("add", help="add a subject")
    add.add_argument("project", metavar="PROJECT")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--color", metavar="#RRGGBB", help="its colour (default: the next of the palette)")
    ren = sub.add_parser("rename", help="rename a subject")
    ren.add_argument("project", metavar="PROJECT")
    ren.add_argument("name", metavar="NAME")
    ren.add_argument("new_name", metavar="NEW_NAME")
    col = sub.add_parser("recolor", help="give a subject another colour")
    col.add_argument("project", metavar="PROJECT")
    col.add_argument("name", metavar="NAME")
    col.add_argument("color", metavar="#RRGGBB")
    rm = sub.add_parser("delete", help="delete a subject (its tracks and labels stay)")
    rm.add_argument("project", metavar="PROJECT")
    rm.add_argument("name", metavar="NAME")
    asg = sub.add_parser("assign", help="assign a track of a video to a subject")
    asg.add_argument("project", metavar="PROJECT")
    asg.add_argument("name", metavar="NAME")
    asg.add_argument("video", metavar="VIDEO")
    asg.add_argument("track", metavar="TRACK", type=int)
    asg.add_argument("--create", action="store_true", help="add the subject first when there is none of that name")
    un = sub.add_parser("unassign", help="a track is nobody's subject any more")
    un.add_argument("project", metavar="PROJECT")
    un.add_argument("video", metavar="VIDEO")
    un.add_argument("track", metavar="TRACK", type=int)


def find_video(store, text: str):
    """The project video named ``text`` (file name, project path, stem or id); one sentence when none or several."""
    from pathlib import Path

    from ..project import ProjectError

    videos = store.videos()
    hits = [v for v in videos if text in (v.rel_path, v.name, Path(v.rel_path).stem, str(v.id))]
    if not hits:
        raise ProjectError(f"No video named '{text}' in the project (see `epam project info`).")
    if len(hits) > 1:
        raise ProjectError(f"'{text}' matches {len(hits)} videos of the project; give its path or id.")
    return hits[0]


def subjects_summary(store, tracks: bool = False) -> list:
    """What ``epam subjects list --json`` prints: one object per subject."""
    counts = store.subject_track_counts()
    names = {v.id: v.rel_path for v in store.videos()}
    by_subject: dict = {}
    if tracks:
        for (vid, person), sid in sorted(store.subject_assignments().items()):
            by_subject.setdefault(sid, []).append({"video": names[vid], "track": person})
    out = []
    for s in store.subjects():
        n, videos = counts.get(s.id, (0, 0))
        item = {"id": s.id, "name": s.name, "color": s.color, "tracks": n, "videos": videos}
        if tracks:
            item["assigned"] = by_subject.get(s.id, [])
        out.append(item)
    return out


def _list(args) -> int:
    from ..project import ProjectStore

    with ProjectStore.open(args.project, read_only=True) as store:
        summary = subjects_summary(store, tracks=args.tracks)
    if args.json:
        json.dump({"subjects": summary}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if not summary:
        print("no subjects yet (epam subjects add PROJECT NAME)")
        return 0
    for s in summary:
        print(f"{s['name']}  {s['color']}  {s['tracks']} track{'s' if s['tracks'] != 1 else ''} in "
              f"{s['videos']} video{'s' if s['videos'] != 1 else ''}")
        for t in s.get("assigned", []):
            print(f"    {t['video']}  track {t['track']}")
    return 0


def _edit(args):
    """The edit the action asks for (made against the open ``store``) and the line printed once it is applied."""
    from ..project.subject_edits import (AddSubject, AssignTrack, DeleteSubject, RecolorSubject, RenameSubject,
                                         UnassignTrack)

    action = args.subjects_action

    def make(store):
        if action == "add":
            return [AddSubject(args.name, color=args.color)], f"added subject '{args.name.strip()}'"
        if action == "unassign":
            video = find_video(store, args.video)
            return [UnassignTrack(video.id, args.track)], f"track {args.track} of {video.rel_path}: no subject"
        if action == "assign" and args.create and store.subject_by_name(args.name) is None:
            video = find_video(store, args.video)
            add = AddSubject(args.name)
            add.apply(store)
            return [AssignTrack(video.id, args.track, add.created_id)], \
                f"added subject '{args.name.strip()}'; track {args.track} of {video.rel_path} is '{args.name.strip()}'"
        subject = store.find_subject(args.name)
        if action == "rename":
            return [RenameSubject(subject.id, args.new_name)], f"renamed '{subject.name}' to '{args.new_name.strip()}'"
        if action == "recolor":
            return [RecolorSubject(subject.id, args.color)], f"'{subject.name}' is now {args.color.lower()}"
        if action == "delete":
            n = len(store.tracks_of_subject(subject.id))
            return [DeleteSubject(subject.id)], f"deleted subject '{subject.name}' ({n} track assignments)"
        video = find_video(store, args.video)
        return [AssignTrack(video.id, args.track, subject.id)], \
            f"track {args.track} of {video.rel_path} is '{subject.name}'"
    return make


def run(args: argparse.Namespace) -> int:
    from ..project import ProjectError, ProjectStore

    if args.subjects_action == "list":
        return _list(args)
    with ProjectStore.open(args.project) as store:
        if store.read_only:
            raise ProjectError(store.write_refusal)
        with store.transaction():  # one transaction: --create and the assignment together, or nothing
            edits, line = _edit(args)(store)
            for edit in edits:
                edit.apply(store)
    print(line)
    return 0

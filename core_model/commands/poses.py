"""``epam poses list|merge|split|delete|export|import``: look at and correct the tracks of a pose file or of a project
video; poses to and from other tools (COCO keypoints JSON, PYSKL pickle)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

HELP = ("list, merge, split or delete tracks (person ids) of a pose file or a project video; export poses as COCO "
        "keypoints or PYSKL, import COCO keypoints")

EPILOG = """\
TARGET is a pose file (.npz, as written by epam extract) or a project (NAME.epam) with --video.
On a pose file the change is written to it (or to -o OUT.npz). In a project the video's own pose
file (NAME.epam-data/poses/) is corrected and the labels follow the persons: merging moves the
second track's labels to the first, splitting moves the labels from FRAME on to the new track id,
deleting removes the track's labels; in the studio these are undoable edits.

examples:
  epam poses list clip.poses.npz
  epam poses merge clip.poses.npz 3 7          # track 7 is the same person as track 3
  epam poses split clip.poses.npz 2 450        # from frame 450 on, track 2 is somebody else
  epam poses delete class.epam 5 --video lesson1.mp4
"""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", metavar="TARGET", help="pose file (.npz) or project (.epam, with --video)")
    p.add_argument("--video", metavar="NAME", help="the video of the project (its name or path in the project)")
    p.add_argument("-o", "--output", metavar="OUT.npz", help="write the corrected pose file here (pose files only)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = p.add_subparsers(dest="poses_command", metavar="SUBCOMMAND", parser_class=type(p))
    sub.required = True
    sp = sub.add_parser("list", help="tracks with first/last frame and time present")
    _common(sp)
    sp = sub.add_parser("merge", help="track OTHER is the same person as track INTO")
    _common(sp)
    sp.add_argument("into", type=int, metavar="INTO")
    sp.add_argument("other", type=int, metavar="OTHER")
    sp = sub.add_parser("split", help="from FRAME on, track TRACK is somebody else (a new track id)")
    _common(sp)
    sp.add_argument("track", type=int, metavar="TRACK")
    sp.add_argument("frame", type=int, metavar="FRAME")
    sp = sub.add_parser("delete", help="track TRACK is nobody (a bag, a poster): remove it")
    _common(sp)
    sp.add_argument("track", type=int, metavar="TRACK")
    sp = sub.add_parser("export", help="write poses for other tools: COCO keypoints JSON or a PYSKL pickle")
    sp.add_argument("target", metavar="TARGET", help="pose file (.npz) or project (.epam, with --video)")
    sp.add_argument("--video", metavar="NAME", help="the video of the project (its name or path in the project)")
    sp.add_argument("-o", "--output", required=True, metavar="OUT", help="OUT.json (coco) or OUT.pkl (pyskl)")
    sp.add_argument("--format", required=True, choices=("coco", "pyskl"))
    sp = sub.add_parser("import", help="a COCO keypoints JSON (image_id per frame, track_id) as a pose file")
    sp.add_argument("target", metavar="FILE.json")
    sp.add_argument("-o", "--output", required=True, metavar="OUT.npz")
    sp.add_argument("--fps", type=float, default=0.0, help="frame rate when the file has no timestamps")


def _is_project(args) -> bool:
    from ..project.store import SUFFIX

    return str(args.target).endswith(SUFFIX) or args.video is not None


def _project_video(store, name: str) -> int:
    from ..project import ProjectError

    if not name:
        raise ProjectError("Name the project's video with --video.")
    match = [v.id for v in store.videos() if name in (v.rel_path, v.name, str(v.path))]
    if not match:
        raise ProjectError(f"The project has no video '{name}'.")
    return match[0]


def _edit_for(args, video_id: int):
    from ..project.track_edits import DeleteTrack, MergeTracks, SplitTrack

    if args.poses_command == "merge":
        return MergeTracks(video_id, args.into, args.other)
    if args.poses_command == "split":
        return SplitTrack(video_id, args.track, args.frame)
    return DeleteTrack(video_id, args.track)


def _change_file(args):
    from ..pose.track_edit import delete_track, merge_tracks, split_track

    from ..pose.format import Poses

    poses = Poses.load(args.target)
    if args.poses_command == "merge":
        poses, change = merge_tracks(poses, args.into, args.other)
        return poses, change.description, {}
    if args.poses_command == "split":
        poses, change, new_id = split_track(poses, args.track, args.frame)
        return poses, change.description + f" (new track {new_id})", {"new_track": new_id}
    poses, change = delete_track(poses, args.track)
    return poses, change.description, {}


def _print_tracks(poses, as_json: bool) -> None:
    from ..pose.track_edit import track_summary

    tracks = track_summary(poses)
    if as_json:
        print(json.dumps({"frames": poses.num_frames, "tracks": tracks}))
        return
    print(f"{len(tracks)} tracks over {poses.num_frames} frames")
    print(f"{'track':>6} {'first':>7} {'last':>7} {'frames':>7} {'seconds':>8}")
    for t in tracks:
        first = "-" if t["first"] is None else t["first"]
        last = "-" if t["last"] is None else t["last"]
        print(f"{t['track']:>6} {first:>7} {last:>7} {t['frames']:>7} {t['seconds']:>8.2f}")


def run(args) -> int:
    from ..errors import ConfigError
    from ..pose.format import Poses

    if args.poses_command in ("export", "import"):
        return _exchange(args)
    if _is_project(args):
        from ..project import ProjectStore
        from ..project.track_edits import project_poses_path

        if args.output:
            raise ConfigError("-o is for pose files; in a project the video's own pose file is corrected.")
        read_only = args.poses_command == "list"
        with ProjectStore.open(args.target, read_only=read_only) as store:
            video_id = _project_video(store, args.video)
            if read_only:
                path = project_poses_path(store, video_id)
                if not path.is_file():  # not corrected yet: the poses the project would use
                    from ..export.project import find_poses

                    path = find_poses(store, store.video(video_id), store.resolve_video(video_id))
                    if path is None:
                        raise ConfigError(f"{store.video(video_id).name} has no poses yet: extract them first.")
                _print_tracks(path if isinstance(path, Poses) else Poses.load(path), args.json)
                return 0
            edit = _edit_for(args, video_id)
            from ..project.subject_edits import with_subjects

            with_subjects(store, edit).apply(store)  # a merged or deleted track's subject follows (subjects)
            moved = sum(len(rows) for rows in edit._diff)
            result = {"change": edit.description, "poses": str(edit.poses_path), "label_rows_changed": moved}
            if getattr(edit, "new_id", None) is not None:
                result["new_track"] = edit.new_id
    else:
        if args.poses_command == "list":
            _print_tracks(Poses.load(args.target), args.json)
            return 0
        poses, text, extra = _change_file(args)
        out = poses.save(args.output or args.target)
        result = {"change": text, "poses": str(out), **extra}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['change']}; wrote {result['poses']}")
    return 0


def _exchange(args) -> int:
    """``epam poses export`` / ``epam poses import``: poses to and from other tools (core_model.interop)."""
    from ..interop.pose_files import export_poses, import_coco
    from ..pose.format import Poses

    if args.poses_command == "import":
        out = import_coco(args.target, args.fps).save(args.output)
        print(f"wrote {out}")
        return 0
    name = Path(args.target).stem
    if _is_project(args):
        from ..export.project import find_poses
        from ..project import ProjectStore
        from ..project.track_edits import project_poses_path

        with ProjectStore.open(args.target, read_only=True) as store:
            video_id = _project_video(store, args.video)
            path = project_poses_path(store, video_id)
            if not path.is_file():
                path = find_poses(store, store.video(video_id), store.resolve_video(video_id))
            name = Path(store.video(video_id).name).stem
        if path is None:
            from ..errors import ConfigError

            raise ConfigError(f"{args.video} has no poses yet: extract them first.")
        poses = path if isinstance(path, Poses) else Poses.load(path)
    else:
        poses = Poses.load(args.target)
    out = export_poses(poses, args.output, args.format, name.replace(".poses", ""))
    print(f"wrote {poses.num_people} tracks over {poses.num_frames} frames to {out}")
    return 0

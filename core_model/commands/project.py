"""``epam project new|add|info``: create a labeling project, add videos, summarise it."""
from __future__ import annotations

import argparse
import json
import sys

HELP = "create a labeling project (NAME.epam), add videos to it, or print what it holds"


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    sub.required = True
    new = sub.add_parser("new", help="create a project", description="Create a project file NAME.epam and its "
                         "data folder NAME.epam-data beside it.")
    new.add_argument("project", metavar="PROJECT.epam")
    new.add_argument("--labels", default="ntu120", metavar="ntu60|ntu120|FILE",
                     help="label set: a preset or a text file with one label a line (default ntu120)")
    new.add_argument("--scheme", metavar="classroom|rehabilitation|FILE.json",
                     help="start from a coding scheme instead (point/state events, categories, modifiers; "
                          "see 'epam scheme show NAME')")
    new.add_argument("--video", action="extend", nargs="+", default=[], metavar="V", help="videos to add")
    new.add_argument("--author", help="author (coder) name for labels made here (default: $EPAM_CODER or the login)")
    add = sub.add_parser("add", help="add videos to a project")
    add.add_argument("project", metavar="PROJECT")
    add.add_argument("videos", nargs="+", metavar="V")
    info = sub.add_parser("info", help="videos, label set and segment counts of a project")
    info.add_argument("project", metavar="PROJECT")
    info.add_argument("--json", action="store_true", help="print JSON")


def _check_files(paths) -> None:
    from pathlib import Path

    from ..errors import VideoError

    for path in paths:
        if not Path(path).is_file():
            raise VideoError(f"Video file not found: {path}.")


def _remove_new_project(store) -> None:
    """Delete a project this command has just created (file, WAL files, data folder)."""
    import shutil
    from pathlib import Path

    store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store.path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(store.data_dir, ignore_errors=True)


def _add_videos(store, paths) -> None:
    for path in paths:
        before = len(store.videos())
        rec = store.add_video(path)
        state = "added" if len(store.videos()) > before else "already in the project:"
        print(f"{state} {rec.rel_path} ({rec.frame_count} frames, {rec.fps:.3f} fps, {rec.duration:.2f} s)")


def _writable(store):
    from ..project import ProjectError

    if store.read_only:
        refusal = store.write_refusal
        store.close()
        raise ProjectError(refusal)
    return store


def project_summary(store) -> dict:
    """What ``epam project info --json`` prints."""
    videos = []
    for rec in store.videos():
        count, covered, frames = store.coverage(rec.id)
        found = store.resolve_video(rec.id)
        videos.append({"id": rec.id, "path": rec.rel_path, "found": found is not None,
                       "content_key": rec.content_key, "frame_count": rec.frame_count, "fps": rec.fps,
                       "duration": rec.duration, "segments": count, "covered_frames": covered,
                       "covered_fraction": round(covered / frames, 6) if frames else 0.0})
    labels = [{"name": lab.name, "color": lab.color, "key": lab.key} for lab in store.labels()]
    return {"project": str(store.path), "schema_version": store.schema_version, "videos": videos,
            "labels": labels, "segments": store.counts()}


def run(args: argparse.Namespace) -> int:
    from ..project import ProjectStore

    if args.action == "new":
        _check_files(args.video)
        store = ProjectStore.create(args.project, labels=args.scheme or args.labels, author=args.author)
        try:
            with store:
                labels = len(store.labels())
                _add_videos(store, args.video)
        except BaseException:
            _remove_new_project(store)  # a video that cannot be read leaves no half-made project behind
            raise
        n = len(args.video)
        print(f"created {store.path} ({labels} labels, {n} video{'' if n == 1 else 's'})")
        return 0
    if args.action == "add":
        _check_files(args.videos)
        with _writable(ProjectStore.open(args.project)) as store:
            _add_videos(store, args.videos)
        return 0
    with ProjectStore.open(args.project, read_only=True) as store:
        summary = project_summary(store)
    if args.json:
        json.dump(summary, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    seg = summary["segments"]
    print(f"{summary['project']} (project format {summary['schema_version']})")
    print(f"labels: {len(summary['labels'])}; segments: {seg['total']} "
          f"({seg['by_source']['user']} user, {seg['by_source']['accepted']} accepted)")
    for v in summary["videos"]:
        missing = "" if v["found"] else "  [missing]"
        print(f"  {v['path']}: {v['frame_count']} frames, {v['segments']} segments, "
              f"{100 * v['covered_fraction']:.1f}% covered{missing}")
    for name, n in seg["by_label"].items():
        print(f"  {n['total']:6d}  {name}")
    return 0

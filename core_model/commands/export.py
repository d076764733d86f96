"""``epam export PROJECT -o DIR``: a project's labeled segments as a fine-tuning set."""
from __future__ import annotations

import argparse
import sys

HELP = "export a project's labeled segments as a fine-tuning set (clips, poses, PYSKL pickle, manifest)"

EPILOG = """\
The set folder holds clips/<clip>.mp4 (frame-exact H.264, the source's frame timing; none with
--pose-only), poses/<clip>.npz (frames from 0, the labeled person first), skeleton.pkl
(PYSKL/MMAction2), manifest.csv/.json, label_map.txt, balance.txt/.json and README.md.

Split: by video (default; no video in both train and val), by person (a person of a video stays in
one split) or at random, per class, with --seed. The class-balance report is printed and written.
Poses come from the project's data folder, VIDEO_STEM.poses.npz beside the video, or the pose cache
(run `epam extract VIDEO` first). The export is atomic: Ctrl-C or a kill leaves nothing behind.
"""


def _names(text: str):
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one name")
    return names


def _sources(text: str):
    names = _names(text)
    bad = [n for n in names if n not in ("user", "accepted")]
    if bad:
        raise argparse.ArgumentTypeError(f"sources are user and/or accepted, not '{bad[0]}'")
    return names


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("project", metavar="PROJECT", help="the project file (NAME.epam)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="set folder to create (must not exist)")
    p.add_argument("--split", type=float, default=0.8, metavar="R", help="train share (default 0.8)")
    p.add_argument("--split-by", choices=("video", "person", "random"), default="video",
                   help="what stays together in one split (default video)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="split seed (default 0)")
    p.add_argument("--min-frames", type=int, default=1, metavar="N", help="leave out shorter segments (default 1)")
    p.add_argument("--pad", type=int, default=0, metavar="N", help="context frames added before and after each clip")
    p.add_argument("--sources", type=_sources, default=["user"], metavar="user|user,accepted",
                   help="segments made by the user only (default), or also accepted predictions")
    p.add_argument("--labels", type=_names, metavar="L1,L2", help="only these labels (and in this class order)")
    p.add_argument("--videos", type=_names, metavar="V1,V2", help="only these videos (name, path or id)")
    p.add_argument("--authors", type=_names, metavar="A1,A2",
                   help="only segments by these coders (when several people labeled the same video)")
    p.add_argument("--subject", type=_names, metavar="NAME[,NAME]",
                   help="only segments on tracks assigned to these subjects (epam subjects), across videos")
    p.add_argument("--pose-only", action="store_true", help="no video in the set: poses only (footage stays here)")
    p.add_argument("--crop", choices=("person",), help="crop each clip to its person's compact box")
    p.add_argument("--blur-faces", action="store_true",
                   help="pixelate faces in the clips (MediaPipe's face detector, plus the poses' heads it misses)")
    p.add_argument("--crf", type=int, default=18, metavar="Q", help="H.264 quality, 0 = lossless (default 18)")


def _progress():
    show = sys.stderr.isatty()
    state = {"last": -1}

    def step(done: int, total: int) -> None:
        if show and done != state["last"]:
            state["last"] = done
            sys.stderr.write(f"\rexporting clips: {done}/{total}")
            sys.stderr.flush()

    return step, show


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core_model.export import ExportOptions, export_set
    from core_model.export.layout import BALANCE_TXT
    from core_model.project import ProjectError, ProjectStore

    if not Path(args.project).is_file():
        raise ProjectError(f"Project file not found: {args.project}.")
    options = ExportOptions(split=args.split, split_by=args.split_by, seed=args.seed, min_frames=args.min_frames,
                            pad=args.pad, pose_only=args.pose_only, crop=args.crop, crf=args.crf,
                            sources=tuple(args.sources), labels=args.labels, videos=args.videos, subjects=args.subject,
                            authors=args.authors, blur_faces=args.blur_faces)
    progress, shown = _progress()
    try:
        with ProjectStore.open(args.project, read_only=True) as store:
            result = export_set(store, args.output, options, progress=progress)
    finally:
        if shown:
            sys.stderr.write("\n")
    kind = "pose-only set" if result.pose_only else "set"
    skipped = result.info["source"].get("skipped_short", 0)
    print(f"wrote a {kind} of {len(result.rows)} clips, {len(result.classes)} classes to {result.path}"
          + (f" ({skipped} segments shorter than {args.min_frames} frames left out)" if skipped else ""))
    sys.stdout.write((result.path / BALANCE_TXT).read_text(encoding="utf-8"))
    overlaps = result.info["source"].get("author_overlaps", 0)
    if overlaps:
        print(f"note: {overlaps} clips overlap another coder's label of the same person (double-coded frames); "
              "use --authors to export one coder's labels")
    return 0

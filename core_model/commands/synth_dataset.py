"""``epam synth-dataset -o DIR``: render a synthetic fine-tuning set (articulated figures, exact poses)."""
from __future__ import annotations

import argparse
import sys

HELP = "render a synthetic fine-tuning set of articulated figures with exact poses (to try training on)"

EPILOG = """\
Classes, in this order (--classes K takes the first K): wave, clap, lift_red_ball, lift_blue_cube,
squat, jumping_jacks, punch, lift_green_ball, kick, march, bow, jump, lift_yellow_cube.
The lift_* classes share one motion and differ only in the object held in the right hand: the pose
stream alone cannot separate them, the RGB stream and the fused score can.

The set has the exported-set layout (clips/, poses/, skeleton.pkl, manifest, label_map.txt,
balance report, README.md); read it with core_model.export.load_set(DIR) or train on it with
`epam train`. The folder is written atomically: an interrupted run leaves nothing.
"""


def _size(text: str):
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 160x120, got '{text}'") from None
    return w, h


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="set folder to create (must not exist)")
    p.add_argument("--classes", type=int, default=6, metavar="K", help="number of classes (default 6, at most 13)")
    p.add_argument("--clips-per-class", type=int, default=20, metavar="N", help="clips per class (default 20)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument("--size", type=_size, default=(160, 120), metavar="WxH", help="frame size (default 160x120)")
    p.add_argument("--people", type=int, choices=(1, 2), default=1,
                   help="people per clip (default 1); with 2 the other one stands idle")
    p.add_argument("--seconds", type=float, default=2.0, metavar="S", help="clip length (default 2 s at 25 fps)")
    p.add_argument("--split", type=float, default=0.8, metavar="R", help="train share (default 0.8)")


def run(args: argparse.Namespace) -> int:
    from core_model.export import make_synthetic_set
    from core_model.export.balance import balance_text
    from core_model.export.layout import BALANCE_JSON
    import json

    show = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if show:
            sys.stderr.write(f"\rrendering clips: {done}/{total}")
            sys.stderr.flush()

    result = make_synthetic_set(args.output, classes=args.classes, clips_per_class=args.clips_per_class,
                                seed=args.seed, size=args.size, people=args.people, seconds=args.seconds,
                                split=args.split, progress=progress)
    if show:
        sys.stderr.write("\n")
    report = json.loads((result.path / BALANCE_JSON).read_text(encoding="utf-8"))
    print(f"wrote {len(result.rows)} clips of {len(result.classes)} classes to {result.path}")
    groups = result.info["source"].get("appearance_groups") or []
    for group in groups:
        print(f"appearance-only classes (same motion): {', '.join(group)}")
    sys.stdout.write(balance_text(report))
    return 0

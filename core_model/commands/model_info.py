"""``epam model-info``: parameter counts and GFLOPs of EPAM-Net's parts."""
from __future__ import annotations

import argparse
import json
import sys

HELP = "print EPAM-Net's parameter count and GFLOPs (one clip) for the RGB and pose streams, attention, total"

EPILOG = """\
FLOPs are counted for one clip (RGB 3x16x224x224, heatmaps 17x48x56x56) in the convention of the
paper's Table 4 (mmcv: multiply-adds of convolutions and linear layers, plus BatchNorm, ReLU, pooling).
--json prints {"rgb": {"params": int, "gflops": float}, "pose": ..., "attention": ..., "total": ...}.

The architecture is the authors' (github.com/ahmed-nady/Multimodal-Action-Recognition): x3d = RGB X3D-M
with the X3D head (fc1 2048) + Pose-X3D; xshift = X-ShiftNet, RGB head GAP -> FC, pose stream with SE and
Swish. --checkpoint counts the model saved in a file (EPAM Studio or the authors' checkpoint) instead.
"""

PARTS = (("rgb", "RGB stream"), ("pose", "Pose stream"), ("attention", "Attention"), ("total", "Total"))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--classes", type=int, default=120, metavar="N", help="number of classes (default 120, NTU-120)")
    p.add_argument("--backbone", default="x3d", choices=("x3d", "xshift"), help="default: x3d")
    p.add_argument("--attention", default="nested", choices=("nested", "cbam_eca", "none"), help="default: nested")
    p.add_argument("--checkpoint", metavar="CKPT", help="count the model in this checkpoint instead")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")


def format_table(costs: dict, title: str) -> str:
    """An aligned text table of ``{"rgb": {"params", "gflops"}, ...}``."""
    rows = [("part", "parameters", "GFLOPs")]
    for key, label in PARTS:
        rows.append((label, f"{costs[key]['params']:,}", f"{costs[key]['gflops']:.3f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [title]
    for n, row in enumerate(rows):
        lines.append(f"  {row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}")
        if n == 0 or n == len(rows) - 2:
            lines.append("  " + "-" * (sum(widths) + 4))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import torch  # heavy import only when the command runs

    from ..errors import ConfigError
    from ..models import create_epam_net
    from ..models.flops import costs_as_dict, model_costs

    if args.classes < 1:
        raise ConfigError("--classes must be at least 1.")
    if args.checkpoint:
        from ..models import load_checkpoint

        model, _ = load_checkpoint(args.checkpoint)
        args.backbone, args.attention, args.classes = (model.config["backbone"], model.config["attention"],
                                                       model.num_classes)
    else:
        with torch.device("meta"):  # shapes only: nothing is allocated or initialised
            model = create_epam_net(args.classes, backbone=args.backbone, attention=args.attention)
    costs = costs_as_dict(model_costs(model))
    if args.json:
        json.dump(costs, sys.stdout)
        sys.stdout.write("\n")
    else:
        title = f"EPAM-Net ({args.backbone}, attention={args.attention}, {args.classes} classes), one clip"
        print(format_table(costs, title))
    return 0

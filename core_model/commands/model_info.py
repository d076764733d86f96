"""``epam model-info``: parameter counts and GFLOPs of EPAM-Net's parts, or of any registered model."""
from __future__ import annotations

import argparse
import json
import sys

HELP = "print a model's parameters, GFLOPs per clip, inputs and attention products (--list: every model)"

EPILOG = """\
FLOPs are counted for one clip (RGB 3x16x224x224, heatmaps 17x48x56x56) in the convention of the
paper's Table 4 (mmcv: multiply-adds of convolutions and linear layers, plus BatchNorm, ReLU, pooling).
--json prints {"rgb": {"params": int, "gflops": float}, "pose": ..., "attention": ..., "total": ...}.

The architecture is the authors' (github.com/ahmed-nady/Multimodal-Action-Recognition): x3d = RGB X3D-M
with the X3D head (fc1 2048) + Pose-X3D; xshift = X-ShiftNet, RGB head GAP -> FC, pose stream with SE and
Swish. --checkpoint counts the model saved in a file (EPAM Studio or the authors' checkpoint) instead.

--list prints every registered model, one line each. --model NAME prints that model (default config,
--classes outputs): parameters per part, GFLOPs for one clip of its default input sizes, the inputs it
takes, the attention products it gives (value range, time base) and its paper. No I3D weights exist here:
every model's RGB stream is the project's X3D (X3D-M layout).
"""
NO_I3D = ("No I3D weights exist here: the RGB stream is the project's X3D (X3D-M layout), not the papers' I3D, "
          "so figures differ from the papers'.")

PARTS = (("rgb", "RGB stream"), ("pose", "Pose stream"), ("attention", "Attention"), ("total", "Total"))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--classes", type=int, default=120, metavar="N", help="number of classes (default 120, NTU-120)")
    p.add_argument("--backbone", default="x3d", choices=("x3d", "xshift"), help="default: x3d")
    p.add_argument("--attention", default="nested", choices=("nested", "cbam_eca", "none"), help="default: nested")
    p.add_argument("--checkpoint", metavar="CKPT", help="count the model in this checkpoint instead")
    p.add_argument("--model", metavar="NAME", help="a registered model (see --list): its parameters, GFLOPs, "
                                                   "inputs and products")
    p.add_argument("--list", action="store_true", help="list the registered models, one line each")
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
    if args.list:
        return _list(args.json)
    if args.checkpoint:
        from ..models import load_checkpoint
        from ..models.registry import model_name_of

        model, _ = load_checkpoint(args.checkpoint)
        if args.model or model_name_of(model) != "epam":
            if args.model and args.model != model_name_of(model):
                raise ConfigError(f"{args.checkpoint} holds the model '{model_name_of(model)}', not '{args.model}'.")
            return _describe(model, args.json)
        args.backbone, args.attention, args.classes = (model.config["backbone"], model.config["attention"],
                                                       model.num_classes)
    elif args.model:
        from ..models.registry import build_named

        extra = {"backbone": args.backbone, "attention": args.attention} if args.model == "epam" else {}
        with torch.device("meta"):  # shapes only: nothing is allocated or initialised
            model = build_named(args.model, num_classes=args.classes, **extra)
        return _describe(model, args.json)
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


def _list(as_json: bool) -> int:
    from ..models.registry import get_model_spec, model_names

    specs = [get_model_spec(n) for n in model_names()]
    if as_json:
        json.dump([{"name": s.name, "title": s.title, "inputs": list(s.inputs),
                    "products": [p.name for p in s.products]} for s in specs], sys.stdout)
        sys.stdout.write("\n")
        return 0
    width = max(len(s.name) for s in specs)
    for s in specs:
        print(f"{s.name:<{width}}  {s.title}")
    return 0


def _describe(model, as_json: bool) -> int:
    """Parameters, GFLOPs, inputs and products of any registered model (one clip of its input sizes)."""
    from ..models.flops import clip_costs, clip_inputs
    from ..models.registry import INPUT_KINDS, get_model_spec, model_name_of

    spec = get_model_spec(model_name_of(model))
    costs = clip_costs(model)
    shapes = {k: list(v.shape[1:]) for k, v in clip_inputs(model).items()}
    info = {"model": spec.name, "title": spec.title, "paper": spec.paper, "classes": int(model.num_classes),
            "params": costs["params"], "gflops": round(costs["gflops"], 4), "gmacs": round(costs["gmacs"], 4),
            "parts": costs["parts"], "inputs": shapes, "products": {p.name: p.to_dict() for p in spec.products},
            "config": {k: v for k, v in model.config.items() if isinstance(v, (str, int, float, bool))},
            "notes": spec.notes, "rgb_stream": NO_I3D}
    if as_json:
        json.dump(info, sys.stdout)
        sys.stdout.write("\n")
        return 0
    print(f"{spec.name}: {spec.title}")
    if spec.paper:
        print(f"  paper: {spec.paper}")
    print(f"  {info['classes']} classes, {costs['params']:,} parameters, {costs['gflops']:.3f} GFLOPs per clip "
          f"({costs['gmacs']:.3f} G multiply-adds of convolutions and matrix products)")
    print("  parameters per part: " + ", ".join(f"{k} {v:,}" for k, v in costs["parts"].items() if v))
    print("  inputs (one clip):")
    for kind, shape in shapes.items():
        print(f"    {kind:<11} {tuple(shape)}  {INPUT_KINDS[kind]}")
    print("  attention products:")
    for p in spec.products:
        rng = f"softmax over axis {p.axis}" if p.value_range == "softmax" else p.value_range
        print(f"    {p.name:<26} {p.kind:<9} {p.shape:<12} {rng}, time base {p.time_base}: {p.description}")
    if spec.notes:
        print(f"  notes: {spec.notes}")
    print(f"  {NO_I3D}")
    return 0

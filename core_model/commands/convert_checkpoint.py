"""``epam convert-checkpoint IN.pth -o OUT.pt``: an authors' EPAM-Net file as an EPAM Studio checkpoint."""
from __future__ import annotations

import argparse
import json
import sys

HELP = "convert an EPAM-Net checkpoint of the authors' code (trainer or mmaction file) to an EPAM Studio checkpoint"

EPILOG = """\
IN.pth: a two-stream file saved by the authors' code (github.com/ahmed-nady/Multimodal-Action-Recognition):
{'epoch', 'model_state_dict', 'optimizer_state_dict'} from ddp/trainer.py ('module.' prefixes) or
{'state_dict': ...}. The backbone (X3D or X-ShiftNet), the attention block and the class count are read
from its tensors; every tensor must find its place. The output records the architecture, the class
names and the authors' normalization (ImageNet mean/std on 0-255 RGB), so `epam analyze --checkpoint`
and the studio use it as is (they also open IN.pth directly). An EPAM Studio checkpoint as IN is
rewritten unchanged in content.

--classes: ntu60, ntu120 or a text file with one name a line (default: NTU-60/120 by class count,
else "class 0", "class 1", ...); its length must equal the model's class count.
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("input", metavar="IN.pth", help="checkpoint of the authors' code")
    p.add_argument("-o", "--output", metavar="OUT.pt", required=True, help="EPAM Studio checkpoint to write")
    p.add_argument("--classes", metavar="ntu60|ntu120|FILE", help="class names (default: NTU by class count)")
    p.add_argument("--json", action="store_true", help="print a summary as one JSON object")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..errors import ConfigError
    from ..models import load_checkpoint, save_checkpoint

    source, target = Path(args.input), Path(args.output)
    if source.resolve() == target.resolve():
        raise ConfigError("The output must be another file than the input.")
    model, info = load_checkpoint(source, class_names=args.classes)
    provenance = dict(info.provenance)
    meta = {"converted_from": source.name, **{k: v for k, v in provenance.get("meta", provenance).items()
                                               if k not in ("created", "torch_version")}}
    save_checkpoint(model, target, info.class_names, trained=info.trained, **meta)
    summary = {"input": str(source), "output": str(target), "backbone": model.config["backbone"],
               "attention": model.config["attention"], "classes": model.num_classes,
               "class_list": info.class_names[:3] + (["..."] if model.num_classes > 3 else []),
               "normalization": model.normalization.to_dict()}
    if args.json:
        json.dump(summary, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"{target}: EPAM-Net {summary['backbone']} + {summary['attention']} attention, "
              f"{summary['classes']} classes ({', '.join(summary['class_list'])}), from {source.name}")
    return 0

"""``epam train DATA -o RUN_DIR``: train or fine-tune a registered model (default EPAM-Net); JSON progress lines."""
from __future__ import annotations

import argparse
import signal

HELP = "train or fine-tune EPAM-Net (or another model: --model) on an exported set, a synthetic set or a PYSKL .pkl"

EPILOG = """\
DATA: a set folder (epam export / epam synth-dataset), or a PYSKL/MMAction2 skeleton .pkl whose videos
are in --videos DIR (default: clips/ beside the pickle, else its folder; NTU's NAME_rgb.avi is found too).

--model NAME trains another registered model (epam model-info --list): its inputs are built from the same
data, its loss is the model's own (regularisers and auxiliary losses included). Models other than EPAM-Net
train as a whole (phase joint; --phase all = joint). --tiny builds the model's small test configuration.
--init CKPT fine-tunes the checkpoint's own model; --resume refuses another --model.

Presets (resources/presets/*.json): cpu-quick (default: 112 px RGB / 28 px heatmaps, 8 / 24 frames, a few
epochs, minutes on a laptop CPU) and paper (the paper's recipe: RGB and pose pre-training, then the
whole network; 240/240/20 epochs; for GPUs). --epochs/--batch/--lr override the preset for every phase run.

RUN_DIR gets last.pt and best.pt (EPAM Studio checkpoints: epam analyze --checkpoint), metrics.json,
confusion.png and train_state.pt (for --resume). Ctrl+C (or SIGTERM) stops after the current batch, saving;
--resume goes on from the same batch with the same optimizer, schedule, data and settings (other data or
settings given with --resume are refused, named). --no-val trains a set without validation clips (no best.pt).
A full disk is one sentence and a JSON error line. Exit status: 0 done, 130 stopped, 1 error.

Several GPUs or machines: torchrun --nproc_per_node N -m core_model.training DATA -o RUN_DIR ...
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("data", metavar="DATA", help="set folder, or PYSKL .pkl")
    p.add_argument("-o", "--output", required=True, metavar="RUN_DIR", help="folder for checkpoints and metrics")
    p.add_argument("--model", metavar="NAME", help="registered model to train (default: epam; see epam model-info "
                                                    "--list); with --init: the checkpoint's model")
    p.add_argument("--tiny", action="store_true", default=None,
                   help="the model's tiny configuration (a small, fast network: to try the loop, tests)")
    init = p.add_mutually_exclusive_group()
    init.add_argument("--init", metavar="CKPT", help="fine-tune this EPAM Studio checkpoint (its architecture)")
    init.add_argument("--rgb-init", metavar="X3D_M.pyth", help="start the RGB stream from X3D-M weights")
    p.add_argument("--classes", metavar="FILE|ntu60|ntu120",
                   help="class list the model predicts (default: the set's label map); set labels map by name")
    p.add_argument("--preset", metavar="NAME", help="cpu-quick (default), paper, or a .json")
    p.add_argument("--epochs", type=int, metavar="E", help="epochs of each phase run (default: the preset's)")
    p.add_argument("--batch", type=int, metavar="B", help="clips per step over all processes (default: preset)")
    p.add_argument("--lr", type=float, metavar="LR", help="peak learning rate (default: the preset's)")
    p.add_argument("--phase", choices=("rgb", "pose", "joint", "all"),
                   help="rgb / pose: one stream alone; joint: the whole network; all: rgb, pose, then joint "
                        "(default: the preset's)")
    p.add_argument("--freeze", choices=("rgb", "pose"), help="hold one stream's weights still")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="default: auto")
    p.add_argument("--workers", type=int, metavar="N", help="data-loading processes (default: by cores)")
    p.add_argument("--seed", type=int, metavar="S", help="random seed (default 0)")
    p.add_argument("--videos", metavar="DIR", help="videos of a .pkl DATA")
    p.add_argument("--split", metavar="NAME", help="split of a .pkl DATA, e.g. xsub (NAME_train / NAME_val)")
    p.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR where it stopped")
    p.add_argument("--no-val", action="store_true",
                   help="train without validation (a set whose validation split is empty, e.g. one labelled video): "
                        "validation clips are left out, no best.pt, last.pt after every epoch")
    p.add_argument("--log-every", type=float, default=2.0, metavar="S",
                   help="seconds between batch progress lines (0: every batch; default 2)")


#: options whose value the user typed is compared with the run's own by --resume
TYPED = ("model", "tiny", "preset", "phase", "epochs", "batch", "lr", "init", "rgb_init", "classes", "freeze", "seed",
         "videos", "split")


def options_from_args(args):
    from core_model.training import TrainOptions

    given = tuple(name for name in TYPED if getattr(args, name, None) is not None) + (("no_val",) if args.no_val
                                                                                       else ())
    return TrainOptions(data=args.data, out_dir=args.output, model=args.model, tiny=bool(args.tiny),
                        preset=args.preset or "cpu-quick", phase=args.phase,
                        epochs=args.epochs, batch=args.batch, lr=args.lr, init=args.init, rgb_init=args.rgb_init,
                        classes=args.classes, freeze=args.freeze, device=args.device, workers=args.workers,
                        seed=args.seed if args.seed is not None else 0, videos=args.videos, split=args.split,
                        resume=args.resume, log_every=args.log_every, no_val=args.no_val, given=given)


def run(args) -> int:
    import os

    # Idle OpenMP threads sleep instead of spinning: on a shared or small CPU, spinning threads of the
    # model and of the data workers starve each other (measured: a step 5x slower). Before torch loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from core_model.errors import EpamError
    from core_model.jobs import CancelToken
    from core_model.training import train
    from core_model.training.progress import JsonLines

    cancel = CancelToken()
    emit = JsonLines()

    def stop(signum, _frame):
        if cancel.cancelled:  # a second Ctrl+C: stop now, without saving
            raise KeyboardInterrupt
        cancel.cancel()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = train(options_from_args(args), emit=emit, cancel=cancel)
    except EpamError as exc:
        emit({"event": "error", "message": str(exc)})
        raise
    except Exception as exc:  # noqa: BLE001 - the studio reads the error line; the CLI reports the rest
        emit({"event": "error", "message": f"Training failed with an internal error ({type(exc).__name__}: "
                                           f"{str(exc).splitlines()[0] if str(exc) else 'no details'})."})
        raise
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 130 if result.stopped else 0

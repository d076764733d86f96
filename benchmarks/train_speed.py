"""Print EPAM-Net training speed (clips/s): the model alone vs. fed by the real data pipeline.

For each preset (default: cpu-quick, and paper = the full-size model) it times training steps
(forward, CE(rgb) + CE(pose), backward, SGD) on one fixed batch in memory ("model alone"), then the
same steps fed by the training DataLoader (decode, random crop, flip, heatmaps in worker processes)
over a synthetic set. The data pipeline's cost is ``1 - with / alone`` (goal < 10 %). On CUDA it also
compares fp32 with autocast. Medians over ``--steps`` steps after warm-up; a shared machine is noisy.

    python benchmarks/train_speed.py [--presets cpu-quick paper] [--steps 8] [--workers N] [--set DIR]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as `epam train` does, before torch loads

import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core_model.device import autocast_context, resolve_device  # noqa: E402
from core_model.models import create_epam_net  # noqa: E402
from core_model.training.data import load_training_data  # noqa: E402
from core_model.training.dataset import Augment, ClipDataset, EpochSampler, worker_init  # noqa: E402
from core_model.training.loop import _default_workers, _loss  # noqa: E402
from core_model.training.presets import load_preset  # noqa: E402


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def make_step(model, optimizer, device, autocast: bool):
    def step(rgb, heat, labels):
        with autocast_context(device, autocast):
            out = model(rgb, heat)
        loss, _ = _loss(out.rgb_logits, out.pose_logits, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return step


def time_alone(step, batch, steps, device):
    times = []
    for i in range(steps + 1):
        _sync(device)
        t = time.perf_counter()
        step(*batch)
        _sync(device)
        if i:
            times.append(time.perf_counter() - t)
    return times


def time_with_loader(step, loader, steps, device):
    times, it = [], iter(loader)
    for i in range(steps + 1):
        _sync(device)
        t = time.perf_counter()
        try:
            rgb, heat, labels = next(it)
        except StopIteration:
            it = iter(loader)
            rgb, heat, labels = next(it)
        step(rgb.to(device), heat.to(device), labels.to(device))
        _sync(device)
        if i:
            times.append(time.perf_counter() - t)
    return times


def bench(preset_name, data, args, device):
    preset = load_preset(preset_name)
    spec = preset.inputs
    batch = args.batch or min(preset.phases["joint"].batch, 8)
    model = create_epam_net(len(data.classes), attention_frames=spec.rgb_frames).to(device).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    workers = args.workers if args.workers is not None else _default_workers(device, 1)
    ds = ClipDataset(data.train, spec, train=True, augment=Augment(), normalization=model.normalization)
    loader = torch.utils.data.DataLoader(ds, batch_size=batch, sampler=EpochSampler(len(ds), shuffle=True),
                                         num_workers=workers, worker_init_fn=worker_init if workers else None,
                                         persistent_workers=bool(workers), pin_memory=device.type == "cuda")
    first = next(iter(loader))
    fixed = tuple(t.to(device) for t in first)
    rows = []
    for autocast in ([False, True] if device.type == "cuda" else [False]):
        step = make_step(model, optimizer, device, autocast)
        alone = time_alone(step, fixed, args.steps, device)
        fed = time_with_loader(step, loader, args.steps, device)
        alone2 = time_alone(step, fixed, args.steps, device)  # again: load drift shows up as a difference
        m_alone = statistics.median(alone + alone2)
        m_fed = statistics.median(fed)
        rows.append((preset_name, "autocast" if autocast else "fp32", batch, workers, batch / m_alone, batch / m_fed,
                     1 - m_alone / m_fed))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=["cpu-quick", "paper"])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch", type=int, default=0, help="clips per step (default: the preset's, at most 8)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--set", default=None, help="a set folder (default: a synthetic set made now)")
    args = parser.parse_args()
    device = resolve_device(args.device)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.set
        if path is None:
            from core_model.export import make_synthetic_set

            path = make_synthetic_set(Path(tmp) / "set", classes=6, clips_per_class=8, size=(320, 240)).path
        data = load_training_data(path)
        print(f"device {device}, torch threads {torch.get_num_threads()}, cpu cores {os.cpu_count()}, "
              f"set {Path(path).name} ({len(data.train)} training clips)")
        print(f"{'preset':<10} {'precision':<9} {'batch':>5} {'workers':>7} {'model alone':>12} {'with data':>10} "
              f"{'pipeline cost':>13}")
        for name in args.presets:
            for row in bench(name, data, args, device):
                name_, prec, batch, workers, alone, fed, cost = row
                print(f"{name_:<10} {prec:<9} {batch:>5} {workers:>7} {alone:>9.2f}/s {fed:>8.2f}/s {cost * 100:>12.1f}%"
                      f"  {'(goal < 10 %)' if cost < 0.10 else '(over the 10 % goal)'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The training run: phases, epochs, validation, checkpoints, metrics, resume, clean stop, DDP.

``train(options)`` writes into ``options.out_dir``::

    last.pt, best.pt       EPAM Studio checkpoints (load_checkpoint), with class names, normalization,
                           input sizes (provenance meta.inputs) and provenance (data, preset, epochs)
    train_state.pt         what --resume needs: weights, optimizer, schedule, position, RNG, history
    metrics.json           per epoch: loss and accuracy per stream and fused, learning rate, seconds
    confusion.png          confusion matrix of the validation set (latest epoch)

Any registered model trains (``--model NAME``, default EPAM-Net): the data feed only the inputs its registry
entry lists, and its loss is the model's own (``model.loss``: EPAM-Net CE(rgb) + CE(pose), paper eq. 5; other
models add their regularisers and auxiliary losses). EPAM-Net's streams can also be pre-trained alone (phases
rgb, pose); other models train as a whole (phase joint). SGD with momentum, cosine schedule stepped every iteration,
gradient norm clipped (the authors' trainer); autocast on CUDA.
"""
from __future__ import annotations

import functools
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

from ..errors import ConfigError
from ..jobs import CancelToken
from .data import TrainingData, load_training_data
from .dataset import Augment, ClipDataset, EpochSampler, worker_init
from .distributed import Dist
from .metrics import confusion_png, stream_report, write_json
from .presets import PHASES, PhaseRecipe, Preset, load_preset
from .progress import Emit, quiet
from .steps import PHASE_INPUTS, _base_lr, _forward, _loss, _PhaseNet, _predictions, _WarmupCosine, _weights_digest
from .resume import data_digest, refuse_changed_data, refuse_changes
from .storage import writing

STATE_FORMAT = "epam-train-state"
STATE_VERSION = 1
STREAMS = {"rgb": ("rgb",), "pose": ("pose",), "joint": ("rgb", "pose")}
KEY_METRIC = {"rgb": "acc_rgb", "pose": "acc_pose", "joint": "acc_fused"}


@dataclass
class TrainOptions:
    """What ``epam train`` takes (None = the preset's value)."""

    data: str
    out_dir: str
    model: Optional[str] = None  # registry name (None: EPAM-Net, or the --init checkpoint's model)
    preset: str = "cpu-quick"
    phase: Optional[str] = None
    epochs: Optional[int] = None
    batch: Optional[int] = None
    lr: Optional[float] = None
    init: Optional[str] = None
    rgb_init: Optional[str] = None
    classes: Optional[str] = None
    freeze: Optional[str] = None
    device: str = "auto"
    workers: Optional[int] = None
    seed: int = 0
    videos: Optional[str] = None
    split: Optional[str] = None
    resume: bool = False
    log_every: float = 2.0  # seconds between "batch" progress lines (0: every batch)
    no_val: bool = False  # train without validation (--no-val): no best.pt, last.pt every epoch
    given: Optional[Tuple[str, ...]] = None  # options the user typed (CLI); --resume names those that differ
    tiny: bool = False  # the model's tiny config (ModelSpec.tiny): a small network to try the loop, tests


@dataclass
class TrainResult:
    out_dir: Path
    last: Optional[Path]
    best: Optional[Path]
    history: List[dict] = field(default_factory=list)
    stopped: bool = False


class _Stop(Exception):
    """Internal: the user asked to stop; the state is saved."""


def _class_list(spec: Optional[str]) -> Optional[List[str]]:
    if not spec:
        return None
    from ..labels import load_class_names

    return load_class_names(spec)


def _stream_phases(model_name: str) -> bool:
    """True when the model's streams can be pre-trained alone (phases rgb and pose): EPAM-Net's layout."""
    from ..models.registry import get_model_spec

    return {"rgb", "heatmaps"} <= set(get_model_spec(model_name).inputs)


def _phases(preset: Preset, opts: TrainOptions, model_name: str = "epam") -> List[tuple]:
    phase = opts.phase or preset.default_phase
    if phase != "all" and phase not in PHASES:
        raise ConfigError(f"Unknown phase '{phase}': choose rgb, pose, joint or all.")
    names = preset.phase_names(phase)
    if not _stream_phases(model_name):
        if phase in ("rgb", "pose"):
            raise ConfigError(f"The model '{model_name}' trains as a whole: use --phase joint (the rgb and pose "
                              f"phases pre-train EPAM-Net's two streams).")
        names = ["joint"]  # "all" = stream pre-training, then the whole network: here the whole network
    out = []
    for name in names:
        recipe = preset.phases.get(name)
        if recipe is None:
            raise ConfigError(f"The preset '{preset.name}' has no recipe for the {name} phase.")
        recipe = PhaseRecipe(opts.epochs or recipe.epochs, opts.batch or recipe.batch, opts.lr or recipe.lr)
        if recipe.epochs < 1 or recipe.batch < 1 or not recipe.lr > 0:
            raise ConfigError("Epochs and batch size must be at least 1 and the learning rate positive.")
        if opts.freeze and STREAMS[name] == (opts.freeze,):
            raise ConfigError(f"The {name} phase trains only the {opts.freeze} stream, which --freeze {opts.freeze} "
                              f"holds still: nothing would be trained.")
        out.append((name, recipe))
    return out


def _default_workers(device: torch.device, world: int) -> int:
    cores = os.cpu_count() or 1
    if device.type == "cuda":
        return max(1, min(8, cores // max(world, 1) - 1))
    return max(1, min(4, cores // max(world, 1) - 1))


class Trainer:
    """One run (use :func:`train`)."""

    def __init__(self, opts: TrainOptions, emit: Optional[Emit], cancel: Optional[CancelToken]) -> None:
        from ..device import resolve_device

        self.out = Path(opts.out_dir)
        self.state_path = self.out / "train_state.pt"
        self.state = None
        if opts.resume:
            self.state = self._read_state()
            self.state["options"].setdefault("model", "epam")  # runs from before the registry trained EPAM-Net
            refuse_changes(opts, self.state["options"], self.out)
            known = {f.name for f in dataclass_fields(TrainOptions)}
            saved = TrainOptions(**{k: v for k, v in self.state["options"].items() if k in known})
            saved.resume, saved.workers, saved.device, saved.given = True, opts.workers, opts.device, None
            saved.log_every = opts.log_every
            opts = saved
        elif (self.out / "last.pt").exists() or self.state_path.exists():
            raise ConfigError(f"{self.out} already holds a training run: add --resume to continue it, "
                              f"or choose another folder.")
        self.opts = opts
        self.cancel = cancel
        self.device = resolve_device(opts.device)
        self.dist = Dist.from_env(self.device.type)
        if self.device.type == "cuda" and self.dist.world > 1:
            self.device = torch.device("cuda", self.dist.local_rank)
            torch.cuda.set_device(self.device)
        self.emit = (emit or quiet) if self.dist.main else quiet
        self.preset = load_preset(opts.preset)
        if opts.freeze is None and self.preset.freeze:  # a preset that trains one stream (hand-glimpse-pose/-rgb)
            opts.freeze = self.preset.freeze
        self.spec = self.preset.inputs
        from .model_setup import resolve_model_name

        self.model_name = resolve_model_name(opts.model, opts.init)
        self.phases = _phases(self.preset, opts, self.model_name)
        self.kinds = {p: PHASE_INPUTS.get(p) or _model_inputs(self.model_name) for p, _ in self.phases}
        # the joint phase feeds RGB even to a frozen stream
        need_rgb = any(k in ("rgb", "part_crops", "hand_crops") for kinds in self.kinds.values() for k in kinds)
        self.data: TrainingData = load_training_data(
            opts.data, classes=_class_list(opts.classes), videos=Path(opts.videos) if opts.videos else None,
            split=opts.split, need_rgb=need_rgb, no_val=opts.no_val)
        if self.state is not None:
            refuse_changed_data(self.data, self.state.get("data_digest"), self.state.get("data_counts"), opts.data)
        self.workers = opts.workers if opts.workers is not None else _default_workers(self.device, self.dist.world)
        from .model_setup import build_model

        self.model, self.init_notes = build_model(self.preset, self.data.classes, init=opts.init,
                                                  rgb_init=opts.rgb_init, seed=opts.seed, model_name=self.model_name,
                                                  tiny=opts.tiny)
        self.model.input_spec = self.spec
        if self.state is not None:
            self.model.load_state_dict(self.state["model"])
        self.model.to(self.device)
        self.history: List[dict] = json.loads(self.state["history"]) if self.state else []
        self.best = dict(json.loads(self.state["best"])) if self.state else {}
        self.augment = Augment(self.preset.area_range, self.preset.aspect_range, self.preset.flip)

    # ------------------------------------------------------------------ state
    def _read_state(self) -> dict:
        if not self.state_path.is_file():
            raise ConfigError(f"There is no run to resume in {self.out} (no train_state.pt).")
        try:
            state = torch.load(self.state_path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - a damaged file is a user-facing problem
            from ..models.weights_io import refusal_reason

            refused = refusal_reason(exc, self.state_path)
            if refused is not None:
                raise ConfigError(f"{self.state_path} was refused, not read: {refused}, and loading it could run "
                                  f"code; start a new run folder.") from None
            raise ConfigError(f"{self.state_path} cannot be read (damaged); start a new run folder.") from None
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT or state.get("version", 99) > STATE_VERSION:
            raise ConfigError(f"{self.state_path} is not a training state this version can resume.")
        return state

    def _write_state(self, phase_index: int, epoch: int, start: int, optimizer, scheduler, done: bool = False) -> None:
        payload = {
            "format": STATE_FORMAT, "version": STATE_VERSION, "options": asdict(self.opts),
            "phase_index": phase_index, "epoch": epoch, "start": start, "done": done,
            "model": {k: v.detach().cpu() for k, v in self.model.state_dict().items()},
            "optimizer": optimizer.state_dict() if optimizer is not None else {},
            "scheduler": scheduler.state_dict() if scheduler is not None else {},
            "rng": torch.get_rng_state(), "history": json.dumps(self.history), "best": json.dumps(self.best),
            "data_digest": data_digest(self.data), "data_counts": self.data.describe(),
        }
        from ..models.weights_io import write_torch_file

        with writing("the training state", self.state_path):
            write_torch_file(payload, self.state_path)

    def _save_checkpoint(self, name: str, phase: str, epoch: int, epochs: int, val: Optional[dict],
                         stopped: bool = False) -> Path:
        from ..models import save_checkpoint

        meta = {
            "trained": True, "inputs": self.spec.to_dict(), "dataset": self.data.describe(),
            "preset": self.preset.name, "phase": phase, "phases": [p for p, _ in self.phases],
            "epoch": epoch, "epochs": epochs, "seed": self.opts.seed, "world_size": self.dist.world,
            "init": self.opts.init, "rgb_init": self.opts.rgb_init, "freeze": self.opts.freeze,
            "run_dir": str(self.out.resolve()), "stopped_early": stopped, "no_val": self.opts.no_val,
            "val": {k: v for k, v in (val or {}).items() if k.startswith("acc_")},
        }
        path = self.out / name
        with writing("checkpoint", path):
            save_checkpoint(self.model, path, self.data.classes, **meta)
        self.emit({"event": "checkpoint", "kind": name[:-3], "path": str(path), "phase": phase, "epoch": epoch})
        return path

    # ------------------------------------------------------------------ data
    def _loader(self, items, *, train: bool, batch: int, phase: str) -> torch.utils.data.DataLoader:
        from ..preprocess.kinds import InputSizes

        ds = ClipDataset(items, self.spec, train=train, seed=self.opts.seed, augment=self.augment,
                         normalization=self.model.normalization, kinds=self.kinds[phase],
                         sizes=InputSizes.of(self.model.config, self.spec))
        sampler = EpochSampler(len(items), shuffle=train, seed=self.opts.seed, rank=self.dist.rank,
                               world=self.dist.world, pad=train)
        init = functools.partial(worker_init, trainer_pid=os.getpid()) if self.workers else None
        kwargs = dict(num_workers=self.workers, worker_init_fn=init,
                      persistent_workers=bool(self.workers), pin_memory=self.device.type == "cuda")
        if self.workers:
            kwargs["prefetch_factor"] = 2
            # workers start from a fresh interpreter: a fork of a process with running threads (torch, Qt,
            # MediaPipe) can inherit a held lock and hang forever (seen in the full test run)
            kwargs["multiprocessing_context"] = "forkserver" if sys.platform.startswith("linux") else "spawn"
        return torch.utils.data.DataLoader(ds, batch_size=batch, sampler=sampler, **kwargs)

    # ------------------------------------------------------------------ run
    def run(self) -> TrainResult:
        from ..device import autocast_context

        with writing("the run folder", self.out / "."):
            self.out.mkdir(parents=True, exist_ok=True)
        start_phase = int(self.state["phase_index"]) if self.state else 0
        if self.state and self.state.get("done"):
            self.emit({"event": "done", "message": "this run had already finished", "out_dir": str(self.out)})
            return self._result(False)
        self.emit({"event": "start", "out_dir": str(self.out), "model": self.model_name, "preset": self.preset.name,
                   "phases": [{"phase": p, **asdict(r)} for p, r in self.phases], "inputs": self.spec.to_dict(),
                   "data": self.data.describe(), "classes": self.data.classes, "device": str(self.device),
                   "world_size": self.dist.world, "workers": self.workers, "resumed": self.state is not None,
                   "no_val": self.opts.no_val})
        self._autocast = lambda: autocast_context(self.device)
        try:
            for index in range(start_phase, len(self.phases)):
                self._run_phase(index)
        except _Stop:
            return self._result(True)
        self.emit({"event": "done", "out_dir": str(self.out), "best": self.best,
                   "last": str(self.out / "last.pt"), "best_checkpoint": str(self.out / "best.pt")})
        return self._result(False)

    def _result(self, stopped: bool) -> TrainResult:
        last, best = self.out / "last.pt", self.out / "best.pt"
        return TrainResult(self.out, last if last.exists() else None, best if best.exists() else None,
                           list(self.history), stopped)

    def _trainable(self, phase: str, lr: float) -> List[dict]:
        """Optimizer parameter groups of what ``phase`` trains, one per part, at the preset's lr multiplier."""
        groups: Dict[str, list] = {}
        for name, p in self.model.named_parameters():
            top = name.split(".", 1)[0]  # the whole network: every part but a frozen stream (EPAM-Net's
            if phase == "joint":  # attention learns with its RGB stream)
                train = top != self.opts.freeze and not (top == "attention" and self.opts.freeze == "rgb")
            else:
                train = top == phase and top != self.opts.freeze
            p.requires_grad_(train)
            if train:
                groups.setdefault(top, []).append(p)
        return [{"params": params, "lr": lr * self.preset.stream_lr.get(top, 1.0), "name": top}
                for top, params in groups.items()]

    def _set_modes(self, phase: str) -> None:
        self.model.train()
        for stream in ("rgb", "pose"):
            module = getattr(self.model, stream, None)
            if isinstance(module, torch.nn.Module) and (stream not in STREAMS[phase] or stream == self.opts.freeze):
                module.eval()  # frozen / unused streams keep their BatchNorm statistics

    def _run_phase(self, index: int) -> None:
        phase, recipe = self.phases[index]
        batch = max(1, recipe.batch // self.dist.world)
        groups = self._trainable(phase, recipe.lr)
        params = [p for g in groups for p in g["params"]]
        net = _PhaseNet(self.model, phase)
        if self.dist.world > 1:
            net = torch.nn.parallel.DistributedDataParallel(
                net, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        train_loader = self._loader(self.data.train, train=True, batch=batch, phase=phase)
        val_loader = self._loader(self.data.val, train=False, batch=batch, phase=phase) if self.data.val else None
        steps = len(train_loader)
        optimizer = torch.optim.SGD(groups, lr=recipe.lr, momentum=self.preset.momentum,
                                    weight_decay=self.preset.weight_decay)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, _WarmupCosine(recipe.epochs * steps, int(round(self.preset.warmup_epochs * steps))))
        first_epoch, start = 0, 0
        resuming = self.state is not None and int(self.state["phase_index"]) == index
        if resuming:
            first_epoch, start = int(self.state["epoch"]), int(self.state["start"])
            if self.state["optimizer"]:
                optimizer.load_state_dict(self.state["optimizer"])
                scheduler.load_state_dict(self.state["scheduler"])
        else:
            self.best.pop(phase, None)
        scaler = None
        if self.device.type == "cuda":
            from ..device import autocast_dtype

            scaler = torch.amp.GradScaler("cuda", enabled=autocast_dtype(self.device) == torch.float16)
        for epoch in range(first_epoch, recipe.epochs):
            offset = start if (resuming and epoch == first_epoch) else 0
            rng_state = self.state["rng"] if (resuming and epoch == first_epoch and offset) else None
            stats = self._train_epoch(net, phase, index, epoch, recipe, train_loader, optimizer, scheduler, scaler,
                                      offset, rng_state, batch, params)
            # a Stop asked during the last batch: no precise BN and validation (a minute on a CPU); the state
            # saved is "epoch trained", so --resume does them
            stop_here = lambda: self._stop(phase, index, epoch, steps, recipe, optimizer, scheduler)  # noqa: E731
            if self._stop_requested():
                stop_here()
            if not self._precise_bn(phase, epoch, train_loader, batch):
                stop_here()
            self.dist.sync_buffers(self.model)
            val = self._validate(phase, val_loader) if val_loader is not None else {}
            if val is None:
                stop_here()
            self._end_epoch(phase, index, epoch, recipe, stats, val, optimizer, scheduler)
        self.state = None

    def _train_epoch(self, net, phase, index, epoch, recipe, loader, optimizer, scheduler, scaler, offset,
                     rng_state, batch, params) -> dict:
        self._set_modes(phase)
        loader.sampler.set_epoch(epoch, offset * batch)
        iterator = iter(loader)
        torch.manual_seed(self.opts.seed * 1_000_003 + index * 10_007 + epoch)  # dropout draws, per epoch
        if rng_state is not None:
            torch.set_rng_state(rng_state)
        steps = offset + len(loader)
        sums: Dict[str, float] = {}
        seen, t0, last_emit = 0, time.perf_counter(), 0.0
        for step in range(offset, steps):
            if self._stop_requested():
                self._stop(phase, index, epoch, step, recipe, optimizer, scheduler)
            inputs, labels = next(iterator)
            inputs = {k: v.to(self.device, non_blocking=True) for k, v in inputs.items()}
            labels = labels.to(self.device, non_blocking=True)
            with self._autocast():
                out = _forward(net, inputs)
            loss, parts = _loss(self.model, out, labels)
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None and scaler.is_enabled():
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(params, self.preset.grad_clip)
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, self.preset.grad_clip)
                optimizer.step()
            scheduler.step()
            n = int(labels.shape[0])
            seen += n
            sums["loss"] = sums.get("loss", 0.0) + float(loss.detach()) * n
            for k, v in parts.items():
                sums[f"loss_{k}"] = sums.get(f"loss_{k}", 0.0) + float(v.detach()) * n
            for k, pred in _predictions(out).items():
                sums[f"acc_{k}"] = sums.get(f"acc_{k}", 0.0) + float((pred == labels).sum())
            now = time.perf_counter() - t0
            if self.opts.log_every <= 0 or now - last_emit >= self.opts.log_every or step == steps - 1:
                last_emit = now
                self.emit({"event": "batch", "phase": phase, "epoch": epoch + 1, "epochs": recipe.epochs,
                           "step": step + 1, "steps": steps, "loss": float(loss.detach()),
                           **{f"loss_{k}": float(v.detach()) for k, v in parts.items()},
                           "lr": _base_lr(optimizer, recipe),
                           "clips_per_s": round(seen * self.dist.world / max(now, 1e-9), 3)})
        seconds = time.perf_counter() - t0
        stats = {k: self.dist.mean(v / max(seen, 1)) for k, v in sums.items()}
        stats.update(clips=seen * self.dist.world, seconds=round(seconds, 3),
                     clips_per_s=round(seen * self.dist.world / max(seconds, 1e-9), 3))
        return stats

    def _stop_requested(self) -> bool:
        """The user asked to stop (on any process: every rank stops at the same point)."""
        return self.dist.any(self.cancel is not None and self.cancel.cancelled)

    @torch.no_grad()
    def _precise_bn(self, phase: str, epoch: int, loader, batch: int) -> bool:
        """Recompute the trained BatchNorms' statistics as a plain average over training clips ("precise BN").

        In short runs at a high learning rate the running averages lag far behind the weights, and the
        network in eval mode is then much worse than in training (seen here: validation at chance while
        training accuracy rose). Clips are drawn with training randomness from a key of their own.
        """
        clips = self.preset.precise_bn_clips
        if clips <= 0:
            return True
        self._set_modes(phase)
        norms = [m for m in self.model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.training]
        momenta = [m.momentum for m in norms]
        before = [(m.running_mean.clone(), m.running_var.clone(), m.num_batches_tracked.clone()) for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average
        net = _PhaseNet(self.model, phase)
        loader.sampler.set_epoch(1_000_000 + epoch)
        try:
            for step, (inputs, _labels) in enumerate(loader):
                if step * batch >= clips:
                    break
                if self._stop_requested():  # stopped: the statistics the epoch trained stay as they were
                    for m, (mean, var, count) in zip(norms, before):
                        m.running_mean.copy_(mean)
                        m.running_var.copy_(var)
                        m.num_batches_tracked.copy_(count)
                    return False
                with self._autocast():
                    net({k: v.to(self.device) for k, v in inputs.items()})
        finally:
            for m, momentum in zip(norms, momenta):
                m.momentum = momentum
        return True

    @torch.no_grad()
    def _validate(self, phase: str, loader) -> Optional[dict]:
        """The validation report, or None when a Stop was asked meanwhile."""
        self.model.eval()
        net = _PhaseNet(self.model, phase)
        loader.sampler.set_epoch(0)
        rows = []  # (index, label, {stream: pred}, loss parts)
        keys = list(loader.sampler._keys())
        position = 0
        losses: Dict[str, float] = {}
        for inputs, labels in loader:
            if self.dist.world == 1 and self.cancel is not None and self.cancel.cancelled:  # ranks' loops differ
                return None
            inputs, labels = {k: v.to(self.device) for k, v in inputs.items()}, labels.to(self.device)
            with self._autocast():
                out = _forward(net, inputs)
            loss, parts = _loss(self.model, out, labels)
            n = int(labels.shape[0])
            losses["loss"] = losses.get("loss", 0.0) + float(loss) * n
            for k, v in parts.items():
                losses[f"loss_{k}"] = losses.get(f"loss_{k}", 0.0) + float(v) * n
            preds = {k: v.cpu().numpy() for k, v in _predictions(out).items()}
            for i in range(n):
                rows.append((int(keys[position + i]), int(labels[i]), {k: int(v[i]) for k, v in preds.items()}))
            position += n
        gathered = self.dist.gather((rows, losses))
        all_rows = sorted({r[0]: r for part, _ in gathered for r in part}.values())
        total = {k: sum(part.get(k, 0.0) for _, part in gathered) for k in losses}
        labels = np.array([r[1] for r in all_rows], np.int64)
        streams = list(all_rows[0][2]) if all_rows else []
        preds = {k: np.array([r[2][k] for r in all_rows], np.int64) for k in streams}
        report = stream_report(labels, preds, self.data.classes)
        report.update({k: v / max(len(all_rows), 1) for k, v in total.items()}, clips=len(all_rows))
        return report

    def _end_epoch(self, phase, index, epoch, recipe, stats, val, optimizer, scheduler) -> None:
        key = KEY_METRIC[phase]
        if key not in val:  # a frozen stream: judge the phase by what it trains; without validation: no best
            key = next((k for k in ("acc_fused", "acc_rgb", "acc_pose") if k in val), None)
        entry = {"phase": phase, "epoch": epoch + 1, "epochs": recipe.epochs,
                 "lr": _base_lr(optimizer, recipe), "seconds": stats.get("seconds"),
                 "train": stats, "val": {k: v for k, v in val.items() if k not in ("confusion",)}}
        if self.dist.world > 1:  # every process must hold the same weights (DDP) and statistics (synced)
            digests = self.dist.gather(_weights_digest(self.model))
            entry["ranks"] = {"weight_digests": digests, "agree": len(set(digests)) == 1}
        improved = key is not None and (phase not in self.best or (val.get(key) or 0.0) > self.best[phase]["value"])
        if improved:
            self.best[phase] = {"metric": key, "value": val.get(key), "epoch": epoch + 1}
        self.history.append(entry)
        if self.dist.main:
            if val:
                with writing("the confusion matrix", self.out / "confusion.png"):
                    confusion_png(np.asarray(val["confusion"]), self.data.classes, self.out / "confusion.png",
                                  f"{phase} epoch {epoch + 1}: {val['confusion_stream']} accuracy "
                                  f"{val.get(key, 0) or 0:.3f}")
            self._save_checkpoint("last.pt", phase, epoch + 1, recipe.epochs, val)
            if improved:
                self._save_checkpoint("best.pt", phase, epoch + 1, recipe.epochs, val)
                with writing("the confusion matrix", self.out / "confusion_best.png"):
                    confusion_png(np.asarray(val["confusion"]), self.data.classes, self.out / "confusion_best.png",
                                  f"best: {phase} epoch {epoch + 1}, {key} {val.get(key, 0) or 0:.3f}")
            self._write_metrics(val)
            last_epoch = epoch + 1 == recipe.epochs
            done = last_epoch and index == len(self.phases) - 1
            if last_epoch and not done:
                self._write_state(index + 1, 0, 0, None, None)
            else:
                self._write_state(index, epoch + 1, 0, optimizer, scheduler, done=done)
        self.dist.barrier()
        self.emit({"event": "epoch", **entry, "best": improved})

    def _write_metrics(self, val: dict) -> None:
        with writing("the metrics", self.out / "metrics.json"):
            self._write_metrics_file(val)

    def _write_metrics_file(self, val: dict) -> None:
        write_json(self.out / "metrics.json", {
            "format": "epam-training-metrics", "version": 1, "model": self.model_name, "preset": self.preset.to_dict(),
            "options": asdict(self.opts), "data": self.data.describe(), "classes": self.data.classes,
            "inputs": self.spec.to_dict(), "world_size": self.dist.world, "init": self.init_notes,
            "best": self.best, "epochs": self.history, "last_confusion": val.get("confusion"),
        })

    def _stop(self, phase, index, epoch, step, recipe, optimizer, scheduler) -> None:
        if self.dist.main:
            self._save_checkpoint("last.pt", phase, epoch, recipe.epochs, None, stopped=True)
            self._write_state(index, epoch, step, optimizer, scheduler)
        self.dist.barrier()
        self.emit({"event": "stopped", "phase": phase, "epoch": epoch + 1, "step": step,
                   "message": "stopped by the user; continue with --resume", "last": str(self.out / "last.pt")})
        raise _Stop()


def _model_inputs(model_name: str) -> Tuple[str, ...]:
    from ..models.registry import get_model_spec

    return tuple(get_model_spec(model_name).inputs)


def train(opts: TrainOptions, *, emit: Optional[Emit] = None, cancel: Optional[CancelToken] = None) -> TrainResult:
    """Run (or resume) a training run; see the module docstring for what it writes."""
    trainer = None
    try:
        trainer = Trainer(opts, emit, cancel)
        return trainer.run()
    finally:
        if trainer is not None:
            trainer.dist.shutdown()

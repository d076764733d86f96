"""``epam analyze VIDEO|FOLDER``: run a registered model (default EPAM-Net) over whole videos, write results."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HELP = "run EPAM-Net over a video (or every video in a folder) and write results folders"

EPILOG = """\
lengths: --window and --stride take seconds with an 's' ("3s", "1.5s") or whole frames ("75").
Without --stride the stride is half the window. Defaults: 3s / 1.5s.

results: each video's results go to DIR/<video file stem>/ (summary.json, arrays.npz, segments.csv).
A folder is processed in sorted order; finished videos are skipped, so re-running resumes.
Under torchrun (RANK / WORLD_SIZE set) each process takes videos i with i % WORLD_SIZE == RANK.

Without --checkpoint the network is untrained (seeded, reproducible): its outputs are random.
--model NAME runs another registered model (epam model-info --list); a checkpoint brings its own model.
Each results folder stores the model's attention products under their names, described in summary.json.

runtime: a short first analysis (under 8 windows) keeps PyTorch and, once its results are written, starts the
installation's first use in the background: the network's graph exported, checked against PyTorch and timed.
Later analyses with the same model then run that graph in OpenVINO without loading PyTorch
(summary.json "runtime": "torch_loaded": false). EPAM_FIRST_USE_EXPORT=0 turns the background export off.
"""


#: one video: its model loads once the pose workers have their job (the detection mode probed in this process,
#: :meth:`~core_model.analysis.pipeline.PosesAhead.wait_working`), or after this many seconds at the latest
MODEL_AFTER_POSE_JOB_SECONDS = 3.0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("video", help="a video file, or a folder of videos")
    p.add_argument("--checkpoint", metavar="CKPT", help="EPAM Studio checkpoint of any registered model "
                                                        "(default: the untrained network)")
    p.add_argument("--model", metavar="NAME", help="registered model (default: epam, or the checkpoint's); "
                                                   "without --checkpoint: that model, untrained")
    p.add_argument("--classes", metavar="FILE|ntu60|ntu120",
                   help="class names: a text file (one per line) or a preset; default: the checkpoint's, "
                        "else ntu120")
    p.add_argument("--window", metavar="W", help="window length, e.g. 3s or 75 (frames); default 3s")
    p.add_argument("--stride", metavar="S", help="step between windows, e.g. 1.5s or 38; default: half the window")
    p.add_argument("--per-person", action="store_true",
                   help="analyse each tracked person on their own (default: one box around everybody)")
    p.add_argument("--smoothing", type=int, default=1, metavar="N",
                   help="majority filter over N windows before merging segments (default 1: off)")
    p.add_argument("--min-segment", type=int, default=0, metavar="FRAMES",
                   help="merge segments shorter than this into a neighbour (default 0)")
    p.add_argument("--max-people", type=int, default=0, metavar="N",
                   help="people tracked by pose extraction (default 0: no limit)")
    p.add_argument("--batch-size", type=int, default=0, metavar="N",
                   help="windows per forward pass (default 0: automatic: 16 on a GPU; on a CPU 2 where PyTorch has 2 "
                        "threads or more, else 1)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"), help="default: auto")
    p.add_argument("--pose-engine", choices=("auto", "mediapipe", "torch"), default="auto",
                   help="pose extraction: mediapipe, torch (the same models in PyTorch on --device) or auto "
                        "(default: torch on a GPU, mediapipe on a CPU)")
    p.add_argument("--runtime", choices=("auto", "torch", "onnx", "openvino"), default="auto",
                   help="the network's runtime: torch (PyTorch, the reference), onnx (ONNX Runtime) or openvino "
                        "(OpenVINO), both on the CPU running the exported graph checked against PyTorch, or auto "
                        "(default: the faster of PyTorch and OpenVINO, else ONNX Runtime, timed on the first batch "
                        "and remembered; PyTorch on a GPU)")
    p.add_argument("-o", "--output", metavar="DIR", default="epam-results",
                   help="parent folder of the results folders (default: ./epam-results)")
    p.add_argument("--project", metavar="PROJECT.epam",
                   help="record each results folder in this labeling project (the video is added if new), "
                        "so that `epam labels agreement` and the studio's review use it")
    p.add_argument("--no-cache", action="store_true", help="ignore cached poses and results")
    p.add_argument("--json", action="store_true", help="print the results summary (or batch report) as JSON")


class _ProgressBar:
    """A plain one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.label, self.enabled, self._last = label, enabled, -1.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        frac = min(1.0, done / total)
        if frac - self._last < 0.01 and frac < 1.0:
            return
        self._last = frac
        width = 30
        fill = int(round(frac * width))
        sys.stderr.write(f"\r{self.label[:40]:<40} [{'#' * fill}{'.' * (width - fill)}] {frac * 100:5.1f}%")
        sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled and self._last >= 0:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _settings(args):
    from ..analysis.settings import AnalysisSettings

    return AnalysisSettings.from_lengths(
        args.window, args.stride, per_person=args.per_person, smoothing=args.smoothing,
        min_segment_frames=args.min_segment, max_people=args.max_people, device=args.device,
        batch_size=args.batch_size, pose_engine=args.pose_engine, runtime=args.runtime)


def _print_result(result, out_dir: Path, as_json: bool) -> None:
    from ..formatting import count_noun

    if as_json:
        print(json.dumps(result.summary, indent=1))
        return
    timings = result.summary.get("timings", {})
    hit = result.summary.get("cache", {}).get("hit")
    print(f"{result.summary['video']['name']}: {count_noun(result.num_windows, 'window')}, "
          f"{count_noun(len(result.segments), 'segment')}, "
          f"model {result.model_name} ({result.model}){' (cached)' if hit else ''}"
          + (f", {timings['total']:.1f} s" if "total" in timings and not hit else "") + f" -> {out_dir}")
    for seg in result.segments:
        who = "everybody" if seg.person < 0 else f"person {seg.person}"
        print(f"  {seg.start_time:8.2f}-{seg.end_time:8.2f} s  {who:<10} {seg.class_name} ({seg.confidence:.2f})")


def _failure_line(video: Path, message: str) -> str:
    """One line per failed video, naming it once."""
    return f"epam: error: {message}" if video.name in message else f"epam: error: {video.name}: {message}"


def run(args) -> int:
    from ..errors import ConfigError
    from ..fileio import check_output_location, check_video_path

    settings = _settings(args)
    if args.project:
        _check_project(args.project)
    target, out_root = check_video_path(args.video, folder_ok=True), Path(args.output)
    if out_root.exists() and not out_root.is_dir():
        raise ConfigError(f"-o {out_root} is a file; results are written into a folder: give a folder.")
    made = _missing_folders(out_root) + ([] if target.is_dir() or (out_root / target.stem).exists()
                                         else [out_root / target.stem])
    check_output_location(out_root / "results")  # creates DIR, probes that it is writable
    try:
        return _run(args, settings, target, out_root)
    finally:
        _remove_empty(made)  # a run that wrote nothing leaves no folder it made behind


def _missing_folders(folder: Path) -> list:
    """``folder`` and those of its parents that do not exist yet (deepest first)."""
    out = []
    folder = Path(folder).absolute()
    while not folder.exists() and folder != folder.parent:
        out.append(folder)
        folder = folder.parent
    return out


def _remove_empty(folders) -> None:
    """Remove the folders of ``folders`` (deepest first) that are empty."""
    for folder in sorted(folders, key=lambda f: len(Path(f).absolute().parts), reverse=True):
        try:
            Path(folder).rmdir()  # only an empty folder goes
        except OSError:
            pass


def _model_beside_poses(args, settings, target: Path, ahead: list):
    """The prepared model; for one video its poses start first (appended to ``ahead``) and the model loads
    beside them once the pose workers have their job."""
    if not target.is_dir():
        from ..analysis.pipeline import poses_ahead

        ahead.append(poses_ahead([target], settings, use_cache=not args.no_cache))
        ahead[0].wait_working(MODEL_AFTER_POSE_JOB_SECONDS)  # the model's load then runs beside the poses
    try:
        from ..startup_trace import mark

        mark("model_load")
        prepared = _prepare(args, settings)
    except BaseException:
        for producer in ahead:
            producer.close()
        raise
    return prepared


def _identity(args, settings) -> dict:
    from ..runtime.ready import request_identity

    return request_identity(args.checkpoint, args.classes, args.model, settings.seed)


def _prepare(args, settings):
    """The network: its graph alone, without PyTorch, where this request's graph and choice are ready
    (:mod:`core_model.runtime.ready`), else the model built or loaded in PyTorch."""
    from ..runtime.ready import ready_model

    prepared = ready_model(_identity(args, settings), settings.runtime, settings.device, settings.batch_size)
    if prepared is not None:
        return prepared
    from ..analysis.model_setup import prepare_model
    from ..runtime.first_use import enabled

    prepared = prepare_model(args.checkpoint, args.classes, seed=settings.seed, model_name=args.model)
    prepared.keep_first_batch = enabled()  # for the first-use export after a short run (_for_later_runs)
    return prepared


def _for_later_runs(args, settings, prepared) -> None:
    """After a run with PyTorch: keep the ready record where the graph runtime was chosen, or, after a short run
    that exported no graph, start the installation's first-use export in the background
    (:mod:`core_model.runtime.first_use`). Never this run's failure."""
    if getattr(prepared, "torch_free", False):
        return
    try:
        from ..runtime import first_use, ready

        for runtime in list(prepared._runtimes.values()):
            if runtime.device.type != "cpu" or runtime.name is None:
                continue
            request = {"runtime": settings.runtime, "device": settings.device, "batch_size": settings.batch_size}
            if runtime.first_batch is not None:
                first_use.start(_identity(args, settings), {**request, "batch": settings.batch_for("cpu")},
                                {"checkpoint": args.checkpoint, "classes": args.classes, "seed": settings.seed,
                                 "model": args.model}, runtime.first_batch)
            else:
                ready.remember(_identity(args, settings), settings.runtime, settings.device, settings.batch_size,
                               prepared, runtime)
    except Exception:  # noqa: BLE001 - an aid to later runs
        pass


def _run(args, settings, target: Path, out_root: Path) -> int:
    from ..analysis.batch import BatchReport, analyze_folder, list_videos, shard_from_env
    from ..analysis.runner import UNTRAINED_WARNING, analyze_video

    ahead = []  # poses made while the model loads (a video), or the next video's while it runs (a folder)
    prepared = _model_beside_poses(args, settings, target, ahead)
    prepared.release_source()  # the analysis runs the folded inference copy only
    tty = sys.stderr.isatty()
    warned = {"untrained": prepared.trained}

    def warn_untrained() -> None:
        """Once, after the input proved readable (an error about the input comes first, alone)."""
        if not warned["untrained"]:
            warned["untrained"] = True
            sys.stderr.write(f"epam: warning: {UNTRAINED_WARNING}\n")

    def analyze_one(video: Path, out_dir: Path):
        bar = _ProgressBar(video.name, tty)
        poses, pose_seconds = ahead[0].take(video) if ahead else (None, None)
        try:
            result = analyze_video(video, model=prepared, settings=settings, progress=bar, out_dir=out_dir,
                                   use_cache=not args.no_cache, poses=poses, pose_seconds=pose_seconds)
        finally:
            bar.finish()
        warn_untrained()
        if args.project:
            record_in_project(args.project, video, out_dir, result.model)
        if not (args.json and target.is_dir()):
            _print_result(result, out_dir, args.json)
        return result

    if not target.is_dir():
        try:
            analyze_one(target, out_root / target.stem)
        finally:
            ahead[0].close()
        _for_later_runs(args, settings, prepared)
        return 0

    rank, world = shard_from_env()
    videos = list_videos(target)
    if not videos:
        sys.stderr.write(f"epam: no videos in {target}\n")
        return 1
    t0 = time.perf_counter()

    def plan(todo) -> None:
        if len(todo) > 1:
            from ..analysis.pipeline import poses_ahead

            ahead.append(poses_ahead(todo, settings, use_cache=not args.no_cache))

    try:
        report: BatchReport = analyze_folder(
            videos, out_root, analyze_one, key_of=lambda v: _request_key(v, prepared, settings),
            rank=rank, world=world, on_plan=plan,
            on_error=lambda video, msg: sys.stderr.write(_failure_line(video, msg) + "\n"))
    finally:
        for producer in ahead:
            producer.close()
    _for_later_runs(args, settings, prepared)
    if report.skipped:
        warn_untrained()
    prefix = f"[rank {rank}/{world}] " if world > 1 else ""
    if args.json:
        print(json.dumps({**report.to_dict(), "rank": rank, "world_size": world}, indent=1))
    else:
        print(f"{prefix}{len(report.done)} analysed, {len(report.skipped)} already done, "
              f"{len(report.failed)} failed in {time.perf_counter() - t0:.1f} s")
    return 0 if report.ok else 1


def _check_project(path) -> None:
    """Refuse a project that cannot be written before any work starts (one sentence)."""
    from ..project import ProjectError, ProjectStore

    with ProjectStore.open(path) as store:
        if store.read_only:
            raise ProjectError(store.write_refusal)


def record_in_project(project, video: Path, out_dir: Path, model_key: str) -> None:
    """Record ``out_dir`` as the analysis of ``video`` in ``project`` (adding the video when it is new)."""
    from ..project import ProjectStore

    with ProjectStore.open(project) as store:
        record = store.video_by_path(video) or store.add_video(video)
        store.set_analysis(record.id, Path(out_dir).resolve(), model_key)


def _request_key(video: Path, prepared, settings):
    """The request key a finished results folder of ``video`` must carry to be skipped."""
    from ..analysis.runner import request_key_for
    from ..errors import EpamError
    from ..fileio import content_key

    try:
        return request_key_for(content_key(video), prepared, settings)
    except (OSError, EpamError):
        return None

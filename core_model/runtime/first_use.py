"""The installation's first use: the network's graph exported, checked and timed in the background after a short
first analysis, so that every later cold ``epam analyze`` runs the graph from its first batch, without PyTorch.

``--runtime auto`` exports no graph during a run of fewer than :data:`~core_model.runtime.AUTO_MIN_WINDOWS` windows
(the export, about two forward passes, and OpenVINO's first compile would make that run slower than PyTorch alone:
a 4-second clip has 2 windows). After such a run has written its results, ``epam analyze`` starts one detached
process at a lower priority (:func:`start`; the command does not wait for it) that builds the same model, exports
its graph, checks it against PyTorch on that run's first batch (kept for it in ``runtime/first-use/``), times
PyTorch and the graph runtime at a batch of 1 and at the CPU's batch size (:data:`TIMING_ROUNDS` times each,
interleaved: the cached choices), and, where OpenVINO was chosen at both, keeps the ready record (:mod:`.ready`):
later analyses of any video with the same model then load the graph and never import PyTorch. One export at a
time per cache (``runtime/first-use.lock``); its log is ``runtime/first-use.log``; ``EPAM_FIRST_USE_EXPORT=0``
turns it off (the test suite, where every test has its own cache). Each request and environment gets at most
:data:`MAX_ATTEMPTS` exports (``runtime/first-use-attempts/``): one that failed, was killed or chose PyTorch is not
started again after every short run.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Optional

import numpy as np

from . import cache_root

#: ``0`` turns the background export off
ENV = "EPAM_FIRST_USE_EXPORT"
#: a lock older than this is left by an export that died: another may start
STALE_SECONDS = 900
#: PyTorch and the graph runtime timed this many times each, interleaved, best kept (a command times twice: a
#: loaded machine's noise chose PyTorch at twice on 2 cores at load 8, 1.67 s against OpenVINO's 2.04 s)
TIMING_ROUNDS = 6
#: the background export's niceness (the user's next command comes first; timings are interleaved)
NICENESS = 5
#: background exports started per request and environment, whatever became of them (a failed export, or one that
#: chose PyTorch, is not started again after every short run of a laptop)
MAX_ATTEMPTS = 2
_started: list = []  # the Popen objects of this process (kept: no ResourceWarning while the command ends)


def enabled() -> bool:
    return os.environ.get(ENV, "1") != "0"


def lock_path() -> Path:
    return cache_root() / "first-use.lock"


def running() -> bool:
    """Whether a background export of this cache is under way (its lock is there and fresh)."""
    try:
        return time.time() - lock_path().stat().st_mtime < STALE_SECONDS
    except OSError:
        return False


def attempts_path(identity: dict, request: dict) -> Path:
    """The record of the exports started for this request (``identity``, runtime, device, batch size) in this
    environment: the same key as its ready record."""
    from .ready import record_path

    key = record_path(identity, request["runtime"], request["device"], request["batch_size"]).stem
    return cache_root() / "first-use-attempts" / f"{key}.json"


def attempts(identity: dict, request: dict) -> dict:
    """``{"started": n, "last": outcome or None}`` of this request's exports."""
    from . import read_json

    return read_json(attempts_path(identity, request)) or {"started": 0, "last": None}


def _note_attempt(path: Path, **change) -> None:
    from ..fileio import atomic_path
    from . import read_json

    record = {"started": 0, "last": None, **(read_json(path) or {}), **change}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")


def _take_lock() -> Optional[int]:
    lock = lock_path()
    lock.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            return os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if running():
                return None
            lock.unlink(missing_ok=True)  # stale
    return None


def start(identity: dict, request: dict, model: dict, inputs: Dict[str, object]) -> Optional[int]:
    """Start the background export for the model ``model`` (``prepare_model``'s checkpoint, classes, seed and
    model name) of the request ``identity`` (:func:`.ready.request_identity`) with the analysis settings
    ``request`` (runtime, device, batch_size and ``batch``: the CPU's windows per forward), checked on ``inputs``
    (the short run's first batch, tensors by kind). Returns its process id, or None (turned off, or one under
    way, or this request's :data:`MAX_ATTEMPTS` were made)."""
    if not enabled() or attempts(identity, request)["started"] >= MAX_ATTEMPTS:
        return None
    fd = _take_lock()
    if fd is None:
        return None
    try:
        work = cache_root() / "first-use"
        work.mkdir(parents=True, exist_ok=True)
        spec = work / f"{os.getpid()}-{time.time_ns()}.json"
        np.savez(spec.with_suffix(".npz"), **{k: v.detach().cpu().numpy() for k, v in inputs.items()})
        record = attempts_path(identity, request)
        spec.write_text(json.dumps({"identity": identity, "request": request, "model": model,
                                    "attempts": str(record)}), encoding="utf-8")
        _note_attempt(record, started=attempts(identity, request)["started"] + 1,
                      last={"outcome": "started", "at": time.time()})
        env = {k: v for k, v in os.environ.items() if k != "EPAM_TRACE_FILE"}
        package_parent = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
        with open(cache_root() / "first-use.log", "wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "core_model.runtime.first_use", str(spec)],
                                       stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                                       start_new_session=True, close_fds=True)
        _started.append(process)
        os.write(fd, f"{process.pid}\n".encode())
        return process.pid
    except BaseException:
        lock_path().unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


def _rows(values: np.ndarray, count: int) -> np.ndarray:
    """``count`` windows of a batch (repeated where it has fewer)."""
    reps = -(-count // len(values))
    return np.ascontiguousarray(np.concatenate([values] * reps)[:count])


def export_and_choose(spec: dict, arrays: Dict[str, np.ndarray]) -> dict:
    """The background process's work: export, check, time, keep the choices and the ready record."""
    import torch

    from ..analysis.model_setup import prepare_model
    from .ready import TORCH_FREE_RUNTIMES, remember
    from .select import ModelRuntime

    model, request = spec["model"], spec["request"]
    started = time.perf_counter()
    prepared = prepare_model(model["checkpoint"], model["classes"], seed=model["seed"], model_name=model["model"])
    chosen = {}
    for size in sorted({int(request["batch"]), 1}, reverse=True):
        runtime = ModelRuntime(prepared, request["runtime"], "cpu")  # a new one: it chooses at its first batch
        runtime.timing_rounds = TIMING_ROUNDS
        runtime.forward_inputs({k: torch.from_numpy(_rows(v, size)) for k, v in arrays.items()})
        chosen[size] = runtime
    first = chosen[int(request["batch"])]
    record = None
    if all(r.name in TORCH_FREE_RUNTIMES for r in chosen.values()):
        record = remember(spec["identity"], request["runtime"], request["device"], request["batch_size"],
                          prepared, first)
    return {"seconds": round(time.perf_counter() - started, 3), "ready_record": str(record) if record else None,
            "chosen": {size: r.info for size, r in chosen.items()}}


def lower_priority() -> None:
    """The ordinary scheduler at :data:`NICENESS`: a process started from a real-time one (``chrt``) inherits its
    policy, under which a niceness does nothing and the export would take the cores from the user's next command."""
    try:
        if os.sched_getscheduler(0) != os.SCHED_OTHER:
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux
        pass
    try:
        os.nice(NICENESS)
    except OSError:
        pass


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    spec_path = Path(argv[0])
    try:
        lower_priority()
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        record = Path(spec["attempts"]) if spec.get("attempts") else None
        try:
            with np.load(spec_path.with_suffix(".npz")) as data:
                arrays = {k: data[k] for k in data.files}
            outcome = export_and_choose(spec, arrays)
        except Exception as exc:
            if record is not None:
                _note_attempt(record, last={"outcome": "failed", "error": f"{type(exc).__name__}: {exc}",
                                            "at": time.time()})
            raise
        if record is not None:
            _note_attempt(record, last={"outcome": "ready" if outcome["ready_record"] else "pytorch chosen",
                                        "at": time.time(), **outcome})
        print(json.dumps(outcome, indent=1, default=str), flush=True)
        return 0
    finally:
        spec_path.unlink(missing_ok=True)
        spec_path.with_suffix(".npz").unlink(missing_ok=True)
        lock_path().unlink(missing_ok=True)


if __name__ == "__main__":
    from ..omp_policy import prefer_passive_wait

    prefer_passive_wait()
    raise SystemExit(main())

"""Command start-up: ``epam extract`` imports only what it needs and reaches the first frame quickly.

Each command runs in a fresh Python process (what a user starts), on a short real clip of bikes.mp4.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
#: packages a CPU pose extraction never needs: PyTorch (the torch engine asks for CUDA), and what
#: ``import mediapipe`` drags in (the legacy solutions' drawing helpers, the audio Tasks API); OpenCV (the crowd
#: tracker's colour histograms only)
NOT_NEEDED = ("torch", "matplotlib", "sounddevice", "cv2", "core_model.interop")


def _not_needed() -> tuple:
    """:data:`NOT_NEEDED`, less OpenCV where the pose models run on OpenVINO (its ROI crop is OpenCV's warp)."""
    from core_model.pose.openvino_landmarks import pose_runtime

    return tuple(m for m in NOT_NEEDED if m != "cv2" or pose_runtime() != "openvino")


@pytest.fixture(scope="module")
def short_clip(bikes_video, tmp_path_factory):
    """Frames 104-123 of bikes.mp4: the cyclist, 0.8 s."""
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    with VideoReader(bikes_video) as reader:
        frames = [frame for _i, frame in reader.iter_frames(104, 124)]
    path = tmp_path_factory.mktemp("clip") / "cyclist.mp4"
    encode_frames(path, frames, fps=25.0)
    return path


def _run_cli(args, tmp_path, **env):
    """``epam ARGS`` in a new process; returns (exit code, stderr, modules it imported, trace events)."""
    trace = tmp_path / "trace.txt"
    code = ("import json, sys\nfrom core_model.cli import main\nrc = main(sys.argv[1:])\n"
            "sys.stdout.flush()\nprint(json.dumps({'rc': rc, 'modules': sorted(sys.modules)}))")
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "EPAM_TRACE_FILE": str(trace), **env}, timeout=300)
    last = json.loads(done.stdout.strip().splitlines()[-1])
    from core_model.startup_trace import read_trace

    return last["rc"], done.stderr, set(last["modules"]), read_trace(trace)


def test_extract_imports_neither_torch_nor_the_whole_mediapipe_package(short_clip, tmp_path):
    out = tmp_path / "cyclist.poses.npz"
    rc, stderr, modules, trace = _run_cli(["extract", short_clip, "-o", out, "--workers", "1", "--json"], tmp_path)
    assert rc == 0, stderr
    assert not [m for m in _not_needed() if m in modules]
    # MediaPipe's models ran (Tasks landmarker, its legacy graph, or on OpenVINO)
    assert "mediapipe.python._framework_bindings" in modules or "openvino" in modules
    with np.load(out) as data:
        assert (data["keypoint_score"].max(axis=(0, 2)) > 0.5).sum() >= 15  # the cyclist in most of 20 frames
    assert {"first_frame", "first_pose"} <= set(trace)
    assert trace["first_frame"] <= trace["first_pose"]


def test_parsing_one_command_imports_no_other_command():
    code = ("import sys\nfrom core_model.cli import build_parser, _command_of\n"
            "args = build_parser(only=_command_of(['extract', 'v.mp4'])).parse_args(['extract', 'v.mp4'])\n"
            "print(args.command, sorted(m for m in sys.modules if m.startswith('core_model.commands.')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["extract", "['core_model.commands.extract']"]


def test_the_light_mediapipe_import_offers_what_the_package_offers():
    code = ("import sys\nfrom core_model.pose.mediapipe_light import load_mediapipe\nmp = load_mediapipe()\n"
            "from mediapipe.tasks.python import BaseOptions, vision\n"
            "light = 'matplotlib' not in sys.modules and 'mediapipe.tasks.python.audio' not in sys.modules\n"
            "print(light, mp.Image.__name__, mp.ImageFormat.SRGB.name, BaseOptions.__name__, mp.__version__,\n"
            "      vision.PoseLandmarker.__name__, mp.solutions.pose.Pose.__name__, mp.tasks.python.audio.__name__)\n"
            "from core_model.pose.torch_engine.graph_settings import read_settings\n"  # options of expanded graphs
            "print(read_settings().detector_model.endswith('pose_detection.tflite'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    from importlib.metadata import version

    assert out.split() == ["True", "Image", "SRGB", "BaseOptions", version("mediapipe"), "PoseLandmarker", "Pose",
                           "mediapipe.tasks.python.audio", "True"]


def test_auto_engine_on_a_machine_without_nvidia_driver_is_mediapipe_without_torch(monkeypatch):
    from core_model.pose import extract

    monkeypatch.setattr(extract, "nvidia_driver_present", lambda: False)
    assert extract._engine("mediapipe", "auto", "auto") == "mediapipe"
    assert extract._engine("mediapipe", "mediapipe", "cuda") == "mediapipe"


def test_analyze_of_one_video_extracts_poses_while_the_model_loads(short_clip, tmp_path, capsys):
    from core_model.cli import main

    assert main(["analyze", str(short_clip), "-o", str(tmp_path / "out"), "--window", "16", "--stride", "16",
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["timings"].get("pose_overlapped") == 1.0  # the poses came from the producer started first
    assert summary["poses"]["num_people"] >= 1


#: a child that notes which threads run when PyTorch is first imported, runs ``epam ARGS``, then lists the shared
#: libraries the warm pose worker processes have loaded (their memory maps: what they imported, unchanged)
WATCHED_RUN = """
import json, sys, threading, time
seen = {}


class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" and "threads" not in seen:
            seen["threads"] = sorted(t.name for t in threading.enumerate())
            seen["torch_at"] = time.time()
        return None


sys.meta_path.insert(0, Watch())
from core_model.cli import main
rc = main(sys.argv[1:])
from core_model.pose import worker_pool
pool = worker_pool.shared_pool()
libraries = []
for pid in (pool.pids() if pool else []):
    with open(f"/proc/{pid}/maps") as maps:
        libraries.append(sorted({line.split()[-1].rsplit("/", 1)[-1] for line in maps if ".so" in line}))
sys.stdout.flush()
print(json.dumps({"rc": rc, "threads_at_torch": seen.get("threads"), "torch_at": seen.get("torch_at"),
                  "worker_libraries": libraries}))
"""


@pytest.fixture(scope="module")
def watched_analyze(short_clip, tmp_path_factory):
    """``epam analyze`` of the short clip in a new process with a fresh cache (the MediaPipe bundle copied in)."""
    if not Path("/proc/self/maps").exists():
        pytest.skip("reads the pose workers' memory maps (Linux)")
    work = tmp_path_factory.mktemp("watched")
    cache = work / "cache"
    from core_model.paths import cache_dir

    bundle = Path(cache_dir()) / "models"
    if bundle.is_dir():
        import shutil

        shutil.copytree(bundle, cache / "models")
    trace = work / "trace.txt"
    done = subprocess.run([sys.executable, "-c", WATCHED_RUN, "analyze", str(short_clip), "-o", str(work / "out")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "EPAM_CACHE_DIR": str(cache), "EPAM_TRACE_FILE": str(trace)})
    assert done.returncode == 0, done.stderr[-2000:]
    from core_model.startup_trace import read_trace

    return json.loads(done.stdout.strip().splitlines()[-1]), read_trace(trace)


def test_analyze_starts_pose_extraction_before_it_imports_torch(watched_analyze):
    run, trace = watched_analyze
    assert run["rc"] == 0 and "first_frame" in trace
    assert run["threads_at_torch"] is not None  # the model did load
    assert "epam-poses-ahead" in run["threads_at_torch"]  # the poses were under way when PyTorch began to load


def test_analyze_imports_torch_once_the_pose_workers_have_their_job(watched_analyze):
    """The detection probe runs in the command's process and holds the GIL, as PyTorch's import does: side by side
    each waits for the other while the workers, their models loaded, wait for the probe. So the model loads after
    the probe, beside the poses (``pose_job``: the extraction's first progress report, as the workers get the job)."""
    from core_model.commands.analyze import MODEL_AFTER_POSE_JOB_SECONDS

    run, trace = watched_analyze
    assert run["torch_at"] is not None and {"pose_start", "pose_job", "model_load"} <= set(trace), trace
    assert trace["model_load"] <= run["torch_at"] <= trace["model_ready"]  # PyTorch comes with the model's load
    waited = trace["model_load"] - trace["pose_start"]
    # after the pose job, or (a machine so loaded that the probe takes longer) after the longest wait
    assert trace["pose_job"] <= trace["model_load"] or waited >= MODEL_AFTER_POSE_JOB_SECONDS - 0.1, trace


def test_the_pose_workers_of_an_analysis_load_mediapipe_and_not_torch(watched_analyze):
    run, _trace = watched_analyze
    assert run["worker_libraries"]  # a warm worker process is there to look at
    for libraries in run["worker_libraries"]:
        # MediaPipe's pose models ran in it (in MediaPipe, or on OpenVINO)
        assert any(name.startswith(("_framework_bindings", "libopenvino.so")) for name in libraries)
        assert not [name for name in libraries if name.startswith(("libtorch", "libc10"))]


def test_a_torch_import_under_way_in_another_thread_does_not_hold_up_the_pose_engine_choice():
    """The analysis imports PyTorch while its pose thread resolves ``--pose-engine auto``: without an NVIDIA driver
    that is MediaPipe at once, not after waiting for the import to finish (~1.5 s of a cold start)."""
    code = ("import sys, threading, time\n"
            "from core_model.pose.extract import _engine, nvidia_driver_present\n"
            "import core_model.pose.torch_engine.backend\n"
            "if nvidia_driver_present():\n"
            "    print('driver')\n"
            "    sys.exit()\n"
            "loading = threading.Thread(target=__import__, args=('torch',))\n"
            "loading.start()\n"
            "while 'torch' not in sys.modules:\n"
            "    time.sleep(0.0005)\n"
            "engine = _engine('mediapipe', 'auto', 'auto')\n"
            "half_way = bool(getattr(sys.modules['torch'].__spec__, '_initializing', False))\n"
            "loading.join()\n"
            "print(engine, half_way)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    if out.stdout.split() == ["driver"]:
        pytest.skip("an NVIDIA driver is installed here: PyTorch is asked")
    assert out.stdout.split() == ["mediapipe", "True"]  # chosen while PyTorch was still loading


def test_analyze_help_imports_no_numpy_torch_or_video_library():
    code = ("import sys\nfrom core_model.cli import main\ntry:\n    main(['analyze', '--help'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy', 'torch', 'av', 'mediapipe', 'cv2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_trace_lines_carry_the_cpu_time_of_their_process(tmp_path, monkeypatch):
    import time

    from core_model import startup_trace

    path = tmp_path / "trace.txt"
    monkeypatch.setenv(startup_trace.ENV, str(path))
    startup_trace.mark("test_cpu_before")
    spent = time.process_time()
    while time.process_time() - spent < 0.05:  # 50 ms of CPU work
        sum(range(1000))
    startup_trace.mark("test_cpu_after")
    cpu, times = startup_trace.read_cpu(path), startup_trace.read_trace(path)
    assert cpu["test_cpu_after"] - cpu["test_cpu_before"] >= 0.04
    assert times["test_cpu_before"] <= times["test_cpu_after"]


def test_the_program_ends_after_its_exit_handlers_without_the_interpreter_teardown():
    """``epam`` as a program: the exit handlers run (warm pose workers closed) and the exit status is the command's,
    but the objects left are not freed one by one (after an analysis: ~0.3 s of CPU freeing PyTorch)."""
    code = ("import atexit, sys\n"
            "class Witness:\n"
            "    def __del__(self):\n"
            "        sys.stdout.write('torn down\\n')\n"
            "        sys.stdout.flush()\n"
            "witness = Witness()\n"
            "atexit.register(lambda: print('exit handler', flush=True))\n"
            "from core_model.cli import main\n"
            "sys.argv = ['epam']\n"  # no command: the usage, status 2
            "sys.exit(main())")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "usage: epam" in done.stdout and "exit handler" in done.stdout
    assert "torn down" not in done.stdout

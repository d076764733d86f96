"""Other tools' own code for the interop tests: BORIS's project loader, integrity check and tabular export.

BORIS (``boris-behav-obs``) is a PyQt5 application whose package ``__init__`` starts the GUI; its project
functions only need PyQt5 names to exist. ``boris_run`` runs them in a subprocess (PySide6 and PyQt5 never
share one process) with PyQt5 and libmpv stubbed and the package imported without its ``__init__``.
"""
from __future__ import annotations

import json
import subprocess
import sys

HARNESS = r'''
import importlib.abc, importlib.machinery, importlib.util, json, sys, types

class _Any(type):
    def __getattr__(cls, name):
        return _Dummy

class _Dummy(metaclass=_Any):
    def __init__(self, *a, **k): pass
    def __call__(self, *a, **k): return _Dummy()
    def __getattr__(self, name): return _Dummy()

class _Stub(types.ModuleType):
    __path__ = []
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Dummy

STUB = ("PyQt5", "mpv", "matplotlib", "vlc", "pyqtgraph", "pandas", "pyreadr", "boris.mpv2", "boris.mpv")

class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in STUB or name in STUB:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
    def create_module(self, spec):
        return _Stub(spec.name)
    def exec_module(self, module):
        module.QT_VERSION_STR = module.PYQT_VERSION_STR = "5.15"
        module.sofile = "libmpv.so.2"

sys.meta_path.insert(0, _Finder())
spec = importlib.util.find_spec("boris")
pkg = types.ModuleType("boris")
pkg.__path__ = list(spec.submodule_search_locations)
sys.modules["boris"] = pkg
from boris import config as cfg, project_functions, export_observation
from boris.version import __version__

path, action = sys.argv[1], sys.argv[2]
_, _, pj, msg = project_functions.open_project_json(path)
if "error" in pj:
    print(json.dumps({"error": pj["error"]}))
    sys.exit(0)
if action == "check":
    out = project_functions.check_project_integrity(pj, cfg.HHMMSS, path, media_file_available=False)
    events = {k: [[float(e[0])] + list(e[1:]) for e in v[cfg.EVENTS]] for k, v in pj[cfg.OBSERVATIONS].items()}
    print(json.dumps({"integrity": out, "version": __version__, "events": events,
                      "ethogram": pj[cfg.ETHOGRAM], "subjects": pj[cfg.SUBJECTS]}, default=str))
elif action == "resave":  # what BORIS's save_project_json writes (core.py): gzip JSON, Decimals as floats
    import gzip
    from boris import utilities as util
    with gzip.open(sys.argv[3], mode="wt", encoding="utf-8") as f_out:
        f_out.write(json.dumps(pj, default=util.decimal_default, indent=None))
    print(json.dumps({"saved": sys.argv[3]}))
else:  # tabular export of every observation to argv[3] (tsv, one file per observation: argv[3] + index)
    subjects = [s["name"] for s in pj[cfg.SUBJECTS].values()] + [cfg.NO_FOCAL_SUBJECT]
    behaviors = [b["code"] for b in pj[cfg.ETHOGRAM].values()]
    params = {"time": cfg.TIME_FULL_OBS, cfg.SELECTED_SUBJECTS: subjects, cfg.SELECTED_BEHAVIORS: behaviors}
    files = []
    for i, (obs_id, obs) in enumerate(pj[cfg.OBSERVATIONS].items()):
        name = f"{sys.argv[3]}{i}.tsv"
        ok, err = export_observation.export_tabular_events(pj, params, obs_id, obs, pj[cfg.ETHOGRAM], name, "tsv")
        files.append([ok, err, name])
    print(json.dumps({"files": files}))
'''


def boris_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("boris") is not None and importlib.util.find_spec("tablib") is not None


def boris_run(path, action: str = "check", *extra) -> dict:
    """Run BORIS's own code on a .boris file in a subprocess; returns its JSON answer."""
    out = subprocess.run([sys.executable, "-c", HARNESS, str(path), action, *map(str, extra)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- projects on a VFR video
DURATIONS_MS = [20] * 20 + [100] * 20  # 40 frames: 0.4 s at 50 fps, then 2.0 s at 10 fps


def make_vfr_video(folder):
    from core_model.video.synthetic import write_barcode_video

    path = folder / "vfr.mkv"
    if not path.exists():
        write_barcode_video(path, frames=40, size=(192, 128), options={"g": "10"}, frame_durations_ms=DURATIONS_MS)
    return path


def add_segment(store, video_id, person, start, end, label, author="ana", note=""):
    from core_model.project.records import SegmentRecord, now_iso

    n = now_iso()
    store.write_diff([], [SegmentRecord(None, video_id, person, start, end, store.label_by_name(label).id, "user",
                                        None, None, author, note, n, n)])


def coded_project(folder):
    """A project on a VFR video coded by two coders (adjacent segments, a note, everybody, a one-frame one)."""
    from core_model.project import ProjectStore

    video = make_vfr_video(folder)
    store = ProjectStore.create(folder / "coded.epam", labels=["walk", "sit", "wave"], author="ana")
    v = store.add_video(video)
    store.set_label_key(store.label_by_name("walk").id, "w")
    with store.transaction():
        add_segment(store, v.id, 1, 0, 5, "walk", note="fast, left")
        add_segment(store, v.id, 1, 5, 6, "sit")
        add_segment(store, v.id, 1, 6, 25, "walk")
        add_segment(store, v.id, -1, 10, 39, "wave")
        add_segment(store, v.id, 1, 2, 30, "sit", author="ben")
        add_segment(store, v.id, 2, 21, 22, "wave", author="ben")
    return store


def empty_project(folder, name="fresh.epam", labels=("walk",)):
    from core_model.project import ProjectStore

    store = ProjectStore.create(folder / name, labels=list(labels), author="zed")
    store.add_video(make_vfr_video(folder))
    return store


def segments_of(store):
    """(person, start, end, label, author, note) of every segment, sorted."""
    return sorted((s.person, s.start_frame, s.end_frame, store.label(s.label_id).name, s.author, s.note)
                  for s in store.segments())


def state_of(store):
    """Everything an import may change: segments and the label set."""
    return segments_of(store), [(lab.name, lab.color, lab.key) for lab in store.labels()]


def one_sentence(message: str) -> bool:
    return "\n" not in message and message.rstrip().endswith(".") and "Traceback" not in message

"""Import MediaPipe's framework and Tasks vision API without the rest of the package.

``import mediapipe`` runs ``mediapipe/__init__.py``, which imports the legacy solutions' drawing helpers
(matplotlib.pyplot, OpenCV) and every Tasks API (audio with sounddevice, text, genai): about 2.2 s on a
laptop, of which the pose code needs ~0.4 s (the framework bindings and ``mediapipe.tasks.python.vision``).
:func:`load_mediapipe` puts light stand-ins for the two package modules ``mediapipe`` and
``mediapipe.tasks.python`` in ``sys.modules`` so their submodules import on their own; the stand-ins carry
the same public names (``mediapipe.Image``, ``mediapipe.ImageFormat``, ``mediapipe.tasks.python.BaseOptions``,
...) and import anything else (``mediapipe.solutions``, ``mediapipe.tasks.python.audio``) on first use.
Where the stand-ins cannot be made (an unusual installation) the real package is imported.
"""
from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
import threading
import types
from pathlib import Path

_lock = threading.Lock()
_ready = False  # the stand-ins (or the real package) are complete in sys.modules
#: attribute of a stand-in -> the submodule imported for it on first use
_LAZY = {"mediapipe": {"solutions": "mediapipe.python.solutions", "tasks": "mediapipe.tasks",
                       "python": "mediapipe.python"},
         "mediapipe.tasks.python": {name: f"mediapipe.tasks.python.{name}"
                                    for name in ("audio", "components", "core", "genai", "text", "vision")}}


#: message types ``import mediapipe`` registers (through the solutions) that graph options and packet getters
#: look up by name: expanded graph configs parse their calculator options only when these are known
_PROTOS = ["mediapipe.python.solution_base"] + [f"mediapipe.{name}_pb2" for name in (
    "calculators.core.gate_calculator", "calculators.core.split_vector_calculator",
    "calculators.image.warp_affine_calculator", "calculators.tensor.image_to_tensor_calculator",
    "calculators.tensor.tensors_to_classification_calculator", "calculators.tensor.tensors_to_floats_calculator",
    "calculators.tensor.tensors_to_landmarks_calculator", "calculators.tensor.tensors_to_segmentation_calculator",
    "calculators.tflite.ssd_anchors_calculator", "calculators.util.association_calculator",
    "calculators.util.collection_has_min_size_calculator", "calculators.util.detection_label_id_to_text_calculator",
    "calculators.util.detections_to_rects_calculator", "calculators.util.landmark_projection_calculator",
    "calculators.util.landmarks_refinement_calculator", "calculators.util.local_file_contents_calculator",
    "calculators.util.non_max_suppression_calculator", "calculators.util.rect_transformation_calculator",
    "calculators.util.visibility_smoothing_calculator", "framework.formats.object_detection.anchor",
    "framework.tool.switch_container", "modules.face_detection.face_detection",
    "modules.holistic_landmark.calculators.roi_tracking_calculator",
    "modules.objectron.calculators.frame_annotation_to_rect_calculator")]


def _stand_in(name: str, spec) -> types.ModuleType:
    module = types.ModuleType(name, f"Light stand-in for the {name} package (core_model.pose.mediapipe_light).")
    module.__spec__, module.__file__ = spec, spec.origin
    module.__path__ = list(spec.submodule_search_locations or [])
    module.__package__ = name
    lazy = _LAZY[name]

    def __getattr__(attr: str):
        if attr in lazy:
            value = importlib.import_module(lazy[attr])
            setattr(module, attr, value)
            return value
        raise AttributeError(f"module {name!r} has no attribute {attr!r}")

    module.__getattr__ = __getattr__
    return module


def _install() -> types.ModuleType:
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("mediapipe is not installed as a package")
    root = _stand_in("mediapipe", spec)
    sys.modules["mediapipe"] = root
    framework = importlib.import_module("mediapipe.python")  # the bindings: Image, ImageFormat, packets
    for attr, value in vars(framework).items():
        if not attr.startswith("_") and attr != "mediapipe":
            setattr(root, attr, value)
    tasks = importlib.import_module("mediapipe.tasks")  # its __init__ holds only a licence text
    tasks_spec = importlib.util.find_spec("mediapipe.tasks.python")
    tasks_python = _stand_in("mediapipe.tasks.python", tasks_spec)
    sys.modules["mediapipe.tasks.python"] = tasks_python
    tasks.python = tasks_python
    tasks_python.BaseOptions = importlib.import_module("mediapipe.tasks.python.core.base_options").BaseOptions
    for proto in _PROTOS:  # ~20 ms, against ~1.4 s for the solutions' drawing helpers
        try:
            importlib.import_module(proto)
        except ImportError:  # another mediapipe version: those it has are what matter
            pass
    root.__version__ = mediapipe_version()
    if root.__version__ == "missing":  # no metadata: the real package knows its version
        raise ImportError("mediapipe has no package metadata")
    return root


@functools.lru_cache(maxsize=1)
def mediapipe_version() -> str:
    """The installed mediapipe's version (``"missing"`` without one), without importing it: read from its
    ``dist-info`` folder beside the package (``importlib.metadata`` costs ~30 ms of a command's start-up), else
    through ``importlib.metadata`` (another kind of installation)."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None:
        return "missing"
    for location in spec.submodule_search_locations or []:
        found = list(Path(location).parent.glob("mediapipe-*.dist-info/METADATA"))
        if len(found) == 1:
            try:
                lines = found[0].read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                break
            for line in lines:
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
                if not line.strip():  # the end of the headers
                    break
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mediapipe")
    except PackageNotFoundError:
        return "missing"


def load_mediapipe() -> types.ModuleType:
    """The ``mediapipe`` module, imported lightly when nobody imported it yet (see the module docstring).

    Thread-safe: a thread that comes while another one installs the stand-ins waits until they are complete
    (a half-made ``mediapipe`` in ``sys.modules`` made a second thread import the real package beside it, and
    protobuf then refused the solutions' messages). Every MediaPipe import of this project goes through here.
    """
    global _ready
    if _ready:
        return sys.modules.get("mediapipe") or importlib.import_module("mediapipe")
    with _lock:
        module = sys.modules.get("mediapipe")
        if module is None:
            try:
                module = _install()
            except Exception:  # noqa: BLE001 - whatever went wrong, the real package still works
                for name in [n for n in sys.modules if n == "mediapipe" or n.startswith("mediapipe.")]:
                    del sys.modules[name]
                import mediapipe as module
        _ready = True
        return module

"""Build MediaPipe's multi-person ``PoseLandmarker`` bundle from the model files inside the wheel.

``mediapipe==0.10.21`` ships the BlazePose detector and the full landmark model for its legacy
single-person solution, but no ``pose_landmarker.task`` (that one is normally downloaded). The
Tasks API needs an *uncompressed*, 4-byte-aligned zip holding ``pose_detector.tflite`` and
``pose_landmarks_detector.tflite`` whose image inputs carry normalization metadata:

- detector: pixels mapped to [-1, 1] (mean 127.5, std 127.5);
- landmark model: pixels mapped to [0, 1] (mean 0, std 255).

The bundle is written once into ``cache_dir()/models/`` keyed by the mediapipe version. The desktop bundle
(packaging/epam-studio.spec) ships one built in advance in ``core_model/pose/models/``, used first.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import PoseError
from ..fileio import atomic_path
from ..paths import cache_dir

DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARKER_MEMBER = "pose_landmarks_detector.tflite"
_WHEEL_DETECTOR = ("modules", "pose_detection", "pose_detection.tflite")
_WHEEL_LANDMARKER = ("modules", "pose_landmark", "pose_landmark_full.tflite")
_BUNDLE_REVISION = 1  # bump when the way the bundle is built changes
#: where a desktop bundle keeps the ``.task`` built in advance (absent in a checkout or wheel)
SHIPPED_MODELS = Path(__file__).resolve().parent / "models"


def _mediapipe_root() -> Path:
    from .mediapipe_light import load_mediapipe

    return Path(load_mediapipe().__file__).resolve().parent


def wheel_model_paths() -> tuple[Path, Path]:
    """Paths of the detector and full landmark ``.tflite`` files inside the installed wheel."""
    root = _mediapipe_root()
    detector, landmarker = root.joinpath(*_WHEEL_DETECTOR), root.joinpath(*_WHEEL_LANDMARKER)
    for path in (detector, landmarker):
        if not path.is_file():
            raise PoseError(f"The installed mediapipe has no {path.name}; install mediapipe==0.10.21.")
    return detector, landmarker


def _with_image_metadata(model: bytes, name: str, mean: float, std: float) -> bytes:
    """The model with image-input normalization metadata (``(pixel - mean) / std``) added."""
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, "Built by EPAM Studio from the model files inside the mediapipe wheel.")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    content, _json = writer.populate()
    return bytes(content)


def build_bundle(out_path: Path) -> Path:
    """Write the ``.task`` bundle to ``out_path`` atomically and return it."""
    from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils

    detector_path, landmarker_path = wheel_model_paths()
    members = {
        DETECTOR_MEMBER: _with_image_metadata(detector_path.read_bytes(), "pose_detector", 127.5, 127.5),
        LANDMARKER_MEMBER: _with_image_metadata(landmarker_path.read_bytes(), "pose_landmarks_detector", 0.0, 255.0),
    }
    with atomic_path(out_path) as tmp:
        model_asset_bundle_utils.create_model_asset_bundle(members, str(tmp))
    return out_path


def is_valid_bundle(path: Path) -> bool:
    """True if ``path`` is an uncompressed zip holding both models."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = {info.filename: info for info in zf.infolist()}
    except (OSError, zipfile.BadZipFile):
        return False
    wanted = (DETECTOR_MEMBER, LANDMARKER_MEMBER)
    return all(n in infos and infos[n].compress_type == zipfile.ZIP_STORED and infos[n].file_size > 0 for n in wanted)


def bundle_name() -> str:
    """File name of the ``.task`` bundle for the installed mediapipe (its version read without importing it)."""
    from .mediapipe_light import load_mediapipe, mediapipe_version

    mp_version = mediapipe_version()
    if mp_version == "missing":  # no package metadata
        mp_version = load_mediapipe().__version__
    return f"pose_landmarker_full-mp{mp_version}-r{_BUNDLE_REVISION}.task"


def pose_landmarker_bundle() -> Path:
    """Path of the ``.task`` bundle for the installed mediapipe: the shipped one, else built on first use."""
    shipped = SHIPPED_MODELS / bundle_name()
    if shipped.is_file() and is_valid_bundle(shipped):
        return shipped
    path = cache_dir() / "models" / bundle_name()
    if path.is_file() and is_valid_bundle(path):
        return path
    try:
        return build_bundle(path)
    except PoseError:
        raise
    except Exception as exc:  # noqa: BLE001 - metadata writer errors are plain exceptions
        raise PoseError(f"Could not build the MediaPipe pose model bundle: {exc}.") from exc

"""The result of analysing one video: per-window arrays, segments, and the results folder format.

A results folder holds ``summary.json`` (versioned, human-readable), ``arrays.npz`` (every
per-window array) and ``segments.csv``. docs/guide/results-format.md documents every field.

Every attention product of the model is stored under its name in ``arrays.npz`` (names ending in
``_attention``, ``_weights`` or ``_informativeness``, one row per window first) and described in
``summary.json["products"]`` (:class:`~core_model.models.products.ProductSpec` as a dict), so a reader
draws any model's products without knowing the model; ``summary.json["model"]`` is the model's registry
name. Folders written before products were described (EPAM-Net's ``spatial_attention`` and
``temporal_attention`` only, ``"model"`` = the run's name) still load: their description is inferred.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..csv_safe import escape_cell, unescape_dict
from ..errors import EpamError
from ..fileio import OutputError, atomic_dir, describe_os_error, read_dir_files
from .segments import CSV_COLUMNS, Segment

FORMAT = "epam-analysis"
VERSION = 1
SUMMARY_FILE, ARRAYS_FILE, SEGMENTS_FILE = "summary.json", "arrays.npz", "segments.csv"

#: per-window arrays stored in arrays.npz besides the products (``prob_rgb``/``prob_pose`` absent for a model
#: without that stream; other streams' probabilities are stored as ``prob_<stream>``)
ARRAY_NAMES = (
    "window_start", "window_end", "person", "pose_frames", "rgb_frames", "boxes",
    "prob_rgb", "prob_pose", "prob_fused",
)
#: EPAM-Net's two products, kept as attributes of :class:`AnalysisResult` (None when absent)
LEGACY_PRODUCTS = ("spatial_attention", "temporal_attention")
PRODUCT_SUFFIXES = ("_attention", "_weights", "_informativeness")
#: the registry name of folders written before summaries named it (only EPAM-Net wrote results then)
LEGACY_MODEL_NAME = "epam"


#: the descriptions of EPAM-Net's two products (``ProductSpec.to_dict()`` of core_model.models.epam_spec, written
#: out so that reading results needs no torch), inferred for folders written before products were described
LEGACY_PRODUCT_SPECS: Dict[str, dict] = {
    "spatial_attention": {"name": "spatial_attention", "kind": "grid_time", "value_range": "sigmoid",
                          "time_base": "rgb_samples", "frame": "crop", "shape": "(T, 7, 7)", "axis": None,
                          "description": "pose-driven spatial attention A_S on the person crop (eq. 3)"},
    "temporal_attention": {"name": "temporal_attention", "kind": "curve", "value_range": "sigmoid",
                           "time_base": "rgb_samples", "frame": "none", "shape": "(T,)", "axis": None,
                           "description": "pose-driven temporal attention A_T over the sampled RGB frames (eq. 4)"},
}


class ResultsError(EpamError):
    """A results folder is missing, damaged or of an unknown format."""


@dataclass
class AnalysisResult:
    """One row per window (per-person mode: per window and person); see docs/INTERFACES.md."""

    summary: dict
    class_names: List[str]
    model: str
    trained: bool
    frame_count: int
    fps: float
    img_shape: Tuple[int, int]
    window_start: np.ndarray
    window_end: np.ndarray
    person: np.ndarray
    pose_frames: np.ndarray
    rgb_frames: np.ndarray
    boxes: np.ndarray
    prob_rgb: Optional[np.ndarray]
    prob_pose: Optional[np.ndarray]
    prob_fused: np.ndarray
    spatial_attention: Optional[np.ndarray] = None  # = products["spatial_attention"] (EPAM-Net: (W, T, 7, 7))
    temporal_attention: Optional[np.ndarray] = None  # = products["temporal_attention"]
    segments: List[Segment] = field(default_factory=list)
    frame_times: Optional[np.ndarray] = None  # (frame_count,) seconds of each source frame
    path: Optional[Path] = None  # the folder it was saved to or loaded from
    #: every attention product by name, (W, ...) one row per window
    products: Dict[str, np.ndarray] = field(default_factory=dict)
    #: name -> ProductSpec.to_dict() (inferred for EPAM-Net's two products when not given)
    product_specs: Dict[str, dict] = field(default_factory=dict)
    #: probabilities of streams other than rgb and pose, by stream name, (W, C)
    stream_probs: Dict[str, np.ndarray] = field(default_factory=dict)
    model_name: str = LEGACY_MODEL_NAME  # the registry name (``summary.json["model"]``)

    def __post_init__(self) -> None:
        self.products = dict(self.products)
        for name in LEGACY_PRODUCTS:
            if getattr(self, name) is not None:
                self.products.setdefault(name, getattr(self, name))
            setattr(self, name, self.products.get(name))
        inferred = LEGACY_PRODUCT_SPECS
        self.product_specs = {name: dict(self.product_specs.get(name) or inferred.get(name) or {})
                              for name in self.products}
        missing = [name for name, spec in self.product_specs.items() if not spec]
        if missing:
            raise ResultsError(f"The attention product {missing[0]} has no description.")

    def stream_probabilities(self) -> Dict[str, np.ndarray]:
        """``{"fused", then each stream the model has ("rgb", "pose", "parts", ...)}`` -> (W, C) probabilities."""
        out = {"fused": self.prob_fused}
        out.update({k: v for k, v in (("rgb", self.prob_rgb), ("pose", self.prob_pose)) if v is not None})
        out.update(self.stream_probs)
        return out

    def product_spec(self, name: str):
        """The :class:`~core_model.models.products.ProductSpec` of product ``name``."""
        from ..models.products import ProductSpec

        return ProductSpec.from_dict(self.product_specs[name])

    # ----------------------------------------------------------------- queries
    @property
    def num_windows(self) -> int:
        return int(len(self.window_start))

    @property
    def top_class(self) -> np.ndarray:
        """``(W,)`` index of the fused top class of each row."""
        return np.argmax(self.prob_fused, axis=1) if self.num_windows else np.zeros(0, np.int64)

    @property
    def confidence(self) -> np.ndarray:
        """``(W,)`` fused probability of each row's top class."""
        return self.prob_fused.max(axis=1) if self.num_windows else np.zeros(0, np.float32)

    def people(self) -> List[int]:
        """Track ids with rows, sorted (``[-1]`` in everybody mode)."""
        return sorted(set(int(p) for p in self.person))

    def windows_at(self, frame: int, person: Optional[int] = None) -> np.ndarray:
        """Rows whose window covers ``frame`` (of ``person``; ``None`` = any person), in row order."""
        mask = (self.window_start <= frame) & (frame < self.window_end)
        if person is not None:
            mask &= self.person == person
        return np.nonzero(mask)[0]

    def window_at(self, frame: int, person: Optional[int] = None) -> Optional[int]:
        """The covering row whose centre is nearest to ``frame`` (earlier row on ties), or ``None``."""
        rows = self.windows_at(frame, person)
        if len(rows) == 0:
            return None
        centres = (self.window_start[rows] + self.window_end[rows] - 1) / 2.0
        return int(rows[int(np.argmin(np.abs(centres - frame)))])

    def attention_at(self, frame: int, person: Optional[int] = None) -> Optional[Tuple[int, int]]:
        """``(row, k)`` for showing attention at ``frame``: the row from :meth:`window_at` and the
        index ``k`` of its sampled RGB frame nearest to ``frame`` (``spatial_attention[row, k]``,
        ``temporal_attention[row, k]``, ``rgb_frames[row, k]``); ``None`` if no window covers it."""
        row = self.window_at(frame, person)
        if row is None:
            return None
        return row, int(np.argmin(np.abs(self.rgb_frames[row] - frame)))

    def segments_of(self, person: Optional[int] = None) -> List[Segment]:
        """Segments of one person (``None`` = all)."""
        return [s for s in self.segments if person is None or s.person == person]

    def frame_time(self, frame: int) -> float:
        """Time in seconds of source frame ``frame`` (``frame_count`` gives the end of the video)."""
        return frame_time_fn(self.frame_times, self.fps, self.frame_count)(frame)

    def top_k(self, row: int, k: int = 5) -> List[Tuple[int, str, float]]:
        """``(class_index, class_name, fused probability)`` of the ``k`` best classes of a row."""
        return top_k_classes(self.prob_fused[row], self.class_names, k)

    # ----------------------------------------------------------------- storage
    def refresh_summary(self) -> dict:
        """Bring the derived parts of :attr:`summary` (header, windows' top-k, segments) up to date."""
        s = self.summary
        s["format"], s["version"] = FORMAT, VERSION
        s["model"], s["trained"], s["class_names"] = self.model_name, self.trained, list(self.class_names)
        s.setdefault("model_info", {})["name"] = self.model
        s["products"] = {name: dict(self.product_specs[name]) for name in self.products}
        video = s.setdefault("video", {})
        video.update(frame_count=int(self.frame_count), fps=float(self.fps),
                     height=int(self.img_shape[0]), width=int(self.img_shape[1]))
        k = int(s.get("settings", {}).get("top_k", 5))
        s["num_windows"] = self.num_windows
        s["people"] = self.people()
        s["windows"] = [
            {
                "index": i, "person": int(self.person[i]),
                "start_frame": int(self.window_start[i]), "end_frame": int(self.window_end[i]),
                "start_time": round(self.frame_time(int(self.window_start[i])), 4),
                "end_time": round(self.frame_time(int(self.window_end[i])), 4),
                "box": [round(float(v), 2) for v in self.boxes[i]],
                "top": [{"class_index": c, "class_name": n, "prob": round(p, 6)} for c, n, p in self.top_k(i, k)],
            }
            for i in range(self.num_windows)
        ]
        s["segments"] = [seg.to_dict() for seg in self.segments]
        return s

    def arrays(self) -> dict:
        """The per-window arrays by name: probabilities, frames, boxes, every product (absent ones omitted)."""
        out = {name: getattr(self, name) for name in ARRAY_NAMES if getattr(self, name) is not None}
        out.update({f"prob_{stream}": values for stream, values in self.stream_probs.items()})
        out.update(self.products)
        if self.frame_times is not None:
            out["frame_times"] = self.frame_times
        return out

    def save(self, directory) -> Path:
        """Write the results folder atomically (a temporary sibling folder swapped into place).

        Refuses (:class:`ResultsError`) to write non-finite probabilities, boxes or attention: a
        damaged model must not leave results that look like an answer.
        """
        directory = Path(directory)
        check_finite(self)
        try:
            with atomic_dir(directory) as tmp:
                self.refresh_summary()
                (tmp / SUMMARY_FILE).write_text(json.dumps(_jsonable(self.summary), indent=1), encoding="utf-8")
                np.savez_compressed(tmp / ARRAYS_FILE, **self.arrays())
                write_segments_csv(tmp / SEGMENTS_FILE, self.segments)
        except OutputError as exc:
            raise ResultsError(str(exc)) from exc
        except OSError as exc:
            raise ResultsError(describe_os_error(exc, directory)) from exc
        self.path = directory
        return directory

    @classmethod
    def load(cls, directory) -> "AnalysisResult":
        """Read a results folder written by :meth:`save`."""
        directory = Path(directory)
        try:
            files = read_dir_files(directory, (SUMMARY_FILE, ARRAYS_FILE))
            summary = json.loads(files[SUMMARY_FILE].decode("utf-8"))
            with np.load(io.BytesIO(files[ARRAYS_FILE]), allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise ResultsError(f"'{directory}' is not a readable analysis results folder ({exc}).") from exc
        if summary.get("format") != FORMAT:
            raise ResultsError(f"'{directory}' does not hold EPAM analysis results.")
        if int(summary.get("version", 0)) > VERSION:
            raise ResultsError(f"'{directory}' was written by a newer EPAM Studio (format version {summary['version']}).")
        video = summary.get("video", {})
        described = "products" in summary  # folders written before products were described: EPAM-Net
        label = (summary.get("model_info") or {}).get("name") if described else summary["model"]
        products = {name: arrays.pop(name) for name in list(arrays) if name.endswith(PRODUCT_SUFFIXES)}
        streams = {name[5:]: arrays.pop(name) for name in list(arrays)
                   if name.startswith("prob_") and name not in ARRAY_NAMES}
        return cls(
            summary=summary,
            class_names=list(summary["class_names"]),
            model=str(label if label is not None else summary["model"]),
            model_name=str(summary["model"]) if described else LEGACY_MODEL_NAME,
            products=products, product_specs=dict(summary.get("products") or {}), stream_probs=streams,
            trained=bool(summary["trained"]),
            frame_count=int(video["frame_count"]),
            fps=float(video["fps"]),
            img_shape=(int(video["height"]), int(video["width"])),
            segments=[Segment.from_dict(d) for d in summary.get("segments", [])],
            frame_times=arrays.pop("frame_times", None),
            path=directory,
            **{name: arrays.get(name) for name in ARRAY_NAMES},
        )


def is_results_dir(directory) -> bool:
    """True when ``directory`` holds a complete results folder."""
    directory = Path(directory)
    return all((directory / name).is_file() for name in (SUMMARY_FILE, ARRAYS_FILE, SEGMENTS_FILE))


def top_k_classes(probs: np.ndarray, class_names: Sequence[str], k: int) -> List[Tuple[int, str, float]]:
    """Best ``k`` classes of one probability row, highest first."""
    order = np.argsort(-np.asarray(probs), kind="stable")[:k]
    return [(int(i), str(class_names[i]), float(probs[i])) for i in order]


def frame_time_fn(frame_times: Optional[np.ndarray], fps: float, frame_count: int):
    """A function frame -> seconds using real timestamps when known (VFR aware), else ``frame / fps``."""

    def frame_time(frame: int) -> float:
        if frame_times is not None and len(frame_times):
            if 0 <= frame < len(frame_times):
                return float(frame_times[frame])
            step = 1.0 / fps if fps else 0.0
            return float(frame_times[-1]) + step * (frame - len(frame_times) + 1)
        return frame / fps if fps else 0.0

    return frame_time


def write_segments_csv(path, segments: Sequence[Segment]) -> None:
    """Segments as CSV, one row each, columns :data:`CSV_COLUMNS`."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for s in segments:
            writer.writerow([s.person, s.start_frame, s.end_frame, f"{s.start_time:.4f}", f"{s.end_time:.4f}",
                             s.class_index, escape_cell(s.class_name), f"{s.confidence:.6f}"])


def read_segments_csv(path) -> List[Segment]:
    """Read a segments CSV written by :func:`write_segments_csv`."""
    with open(path, newline="", encoding="utf-8") as fh:
        return [Segment.from_dict(unescape_dict(row)) for row in csv.DictReader(fh)]


def check_finite(result: "AnalysisResult") -> None:
    """Raise :class:`ResultsError` when a probability, box or attention value is NaN or infinite."""
    named = {name: getattr(result, name) for name in ("boxes", "prob_rgb", "prob_pose", "prob_fused")}
    named.update({f"prob_{k}": v for k, v in result.stream_probs.items()})
    for name, values in {**named, **result.products}.items():
        if values is not None and values.size and not np.isfinite(values).all():
            raise ResultsError(f"The analysis produced values that are not numbers ({name} has NaN or infinity); "
                               "the model's weights or the poses are damaged, so no results were written.")


def _jsonable(obj):
    """Convert numpy scalars/arrays inside ``obj`` to plain JSON types."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    return obj

"""The inspector's comparison of two analyses (A: the shown video's, B: the side-by-side one) at the current
frame: each one's top classes, whether their top class agrees, and the correlation of their spatial attention
maps at this frame where both have one (``core_model.review.compare``, the functions of ``epam compare``);
below, the whole video's figures as ``epam compare`` prints them."""
from __future__ import annotations

import math
from typing import List, Optional, Tuple

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from core_model.formatting import format_percent
from core_model.analysis.results import top_k_classes

from app.video.overlays.context import nearest_sample, window_row

TOP_K = 3


def side_label(result) -> str:
    """``"vpn · untrained · r_vpn"``: the model's registry name, trained or not, the folder's name."""
    folder = f" · {result.path.name}" if getattr(result, "path", None) is not None else ""
    return f"{result.model_name} · {'trained' if result.trained else 'untrained'}{folder}"


def spatial_map(result, row: Optional[int], frame: int) -> Optional[np.ndarray]:
    """The spatial attention map of ``row`` at ``frame`` (a per-clip map, or the nearest sampled frame's)."""
    if result is None or row is None or result.spatial_attention is None:
        return None
    window = np.asarray(result.spatial_attention[row], np.float32)
    return window if window.ndim == 2 else window[nearest_sample(result.rgb_frames[row], frame)]


def map_agreement(a, row_a, b, row_b, frame: int) -> Tuple[Optional[float], str]:
    """(Pearson r of the two maps at ``frame``, or None; a few words on why there is none)."""
    from core_model.review.compare import _correlation

    ma, mb = spatial_map(a, row_a, frame), spatial_map(b, row_b, frame)
    if ma is None or mb is None:
        missing = [n for n, m in (("A", ma), ("B", mb)) if m is None]
        return None, f"{' and '.join(missing)} {'has' if len(missing) == 1 else 'have'} no spatial map here"
    if ma.shape != mb.shape:
        return None, f"different grids ({ma.shape[0]}×{ma.shape[1]} and {mb.shape[0]}×{mb.shape[1]})"
    r = _correlation(ma, mb)
    return (None, "undefined: a map is flat") if math.isnan(r) else (r, "")


class CompareInspector(QLabel):
    """A rich-text block at the top of the inspector while a comparison is open."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("compareInspector")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(True)
        self.setStyleSheet("background:#161b24; border:1px solid #2d3543; border-radius:4px; padding:4px;")
        self.a = self.b = None
        self._video_text = ""
        self.state: dict = {}

    def set_results(self, a, b) -> None:
        """The two analyses; the whole-video figures of ``epam compare`` are computed once here."""
        from core_model.errors import EpamError
        from core_model.review.compare import compare_analyses

        self.a, self.b, self._video_text = a, b, ""
        if a is None or b is None:
            self.setText("")
            return
        try:
            att = compare_analyses(a, b).attention
            spatial = "undefined" if math.isnan(att.spatial_correlation) else f"{att.spatial_correlation:.2f}"
            self._video_text = (f"Whole video: top-1 agreement {format_percent(att.top1_agreement, 0, unit='%')} "
                                f"of {att.windows} windows · spatial r {spatial}")
        except EpamError as exc:
            self._video_text = str(exc)

    def set_frame(self, frame: int, person: Optional[int]) -> None:
        a, b = self.a, self.b
        row_a = window_row(a, frame, person) if a is not None else None
        row_b = window_row(self.b, frame, person) if b is not None else None
        top_a = top_k_classes(a.prob_fused[row_a], a.class_names, TOP_K) if row_a is not None else []
        top_b = top_k_classes(b.prob_fused[row_b], b.class_names, TOP_K) if row_b is not None else []
        r, why = map_agreement(a, row_a, b, row_b, frame)
        same = bool(top_a and top_b and top_a[0][1] == top_b[0][1])
        self.state = {"frame": frame, "a_top": top_a, "b_top": top_b, "same_top": same, "spatial_r": r, "why": why}
        self.setText(self._html())

    def _html(self) -> str:
        s = self.state

        def tops(items: List[tuple]) -> str:
            if not items:
                return "<span style='color:#9aa0a6'>no window here</span>"
            cells = [f"{_escape(n)} {format_percent(p, 0, unit='%')}" for _c, n, p in items]
            return " · ".join([f"<b>{cells[0]}</b>", *cells[1:]])

        agree = ("<span style='color:#8fd694'>same top class</span>" if s["same_top"]
                 else "<span style='color:#f4a261'>top classes differ</span>")
        spatial = f"r = {s['spatial_r']:.2f}" if s["spatial_r"] is not None else _escape(s["why"])
        return (f"<b>Comparing</b> at frame {s['frame']}<br>"
                f"A <span style='color:#9aa0a6'>{_escape(side_label(self.a)) if self.a else ''}</span><br>"
                f"&nbsp;&nbsp;{tops(s['a_top'])}<br>"
                f"B <span style='color:#9aa0a6'>{_escape(side_label(self.b)) if self.b else ''}</span><br>"
                f"&nbsp;&nbsp;{tops(s['b_top'])}<br>"
                f"{agree} · spatial maps here: {spatial}<br>"
                f"<span style='color:#9aa0a6'>{_escape(self._video_text)}</span>")


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

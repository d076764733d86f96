"""numpy <-> Qt image conversion (the QImage keeps its numpy buffer alive)."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def rgb_view_qimage(frame: np.ndarray) -> QImage:
    """(H, W, 3) uint8 RGB -> QImage sharing ``frame``'s memory (no copy).

    The caller must keep ``frame`` alive and unchanged while the QImage is used (the video view
    keeps the decoded frame, which the reader never mutates, next to its image).
    """
    if frame.dtype != np.uint8 or not frame.flags.c_contiguous:
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
    h, w, _ = frame.shape
    return QImage(frame.data, w, h, 3 * w, QImage.Format.Format_RGB888)


def rgba_to_qimage(rgba: np.ndarray) -> QImage:
    """(H, W, 4) uint8 straight-alpha RGBA -> QImage (deep copy)."""
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w, _ = rgba.shape
    return QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """QImage -> (H, W, 3) uint8 RGB copy (used by tests and screenshots)."""
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w = img.height(), img.width()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.bytesPerLine() * h)
    return buf.reshape(h, img.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).copy()

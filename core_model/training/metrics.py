"""Accuracy per stream, confusion matrices, ``metrics.json`` and the confusion-matrix PNG."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..fileio import atomic_path


def accuracy(pred: np.ndarray, labels: np.ndarray) -> Optional[float]:
    return None if len(labels) == 0 else float(np.mean(np.asarray(pred) == np.asarray(labels)))


def confusion_matrix(labels: np.ndarray, pred: np.ndarray, num_classes: int) -> np.ndarray:
    """(C, C) counts: row = true class, column = predicted class."""
    out = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(out, (np.asarray(labels, np.int64), np.asarray(pred, np.int64)), 1)
    return out


def per_class_accuracy(matrix: np.ndarray, names: Sequence[str]) -> Dict[str, Optional[float]]:
    totals = matrix.sum(axis=1)
    return {str(n): (None if totals[i] == 0 else float(matrix[i, i] / totals[i])) for i, n in enumerate(names)}


def write_json(path: Path, payload) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=1), encoding="utf-8")


def confusion_png(matrix: np.ndarray, names: Sequence[str], path: Path, title: str = "") -> Path:
    """Draw ``matrix`` (rows = true, columns = predicted; colour = share of the row) as a PNG."""
    import cv2

    c = len(names)
    cell = int(np.clip(480 // max(c, 1), 14, 48))
    label_w = int(min(240, 30 + 7 * max((len(str(n)) for n in names), default=4)))
    top, pad = 48, 10
    width, height = label_w + c * cell + pad, top + c * cell + pad + 20
    img = np.full((height, width, 3), 255, np.uint8)
    rows = matrix.sum(axis=1, keepdims=True).astype(np.float64)
    share = np.divide(matrix, rows, out=np.zeros(matrix.shape, np.float64), where=rows > 0)
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.38
    for i in range(c):
        for j in range(c):
            x, y = label_w + j * cell, top + i * cell
            v = share[i, j]
            colour = (int(255 - 200 * v), int(255 - 120 * v), int(255 - 30 * v))  # RGB: white -> blue
            cv2.rectangle(img, (x, y), (x + cell - 1, y + cell - 1), colour, -1)
            cv2.rectangle(img, (x, y), (x + cell - 1, y + cell - 1), (200, 200, 200), 1)
            if matrix[i, j] and cell >= 18:
                text = str(int(matrix[i, j]))
                (tw, th), _ = cv2.getTextSize(text, font, scale, 1)
                ink = (255, 255, 255) if v > 0.55 else (30, 30, 30)
                cv2.putText(img, text, (x + (cell - tw) // 2, y + (cell + th) // 2), font, scale, ink, 1, cv2.LINE_AA)
        name = f"{i} {names[i]}"[: max(4, (label_w - 10) // 7)]
        cv2.putText(img, str(i), (label_w + i * cell + cell // 2 - 4, top - 6), font, scale, (30, 30, 30), 1,
                    cv2.LINE_AA)
        cv2.putText(img, name, (4, top + i * cell + cell // 2 + 4), font, scale, (30, 30, 30), 1, cv2.LINE_AA)
    cv2.putText(img, title or "confusion (rows: true class, columns: predicted)", (4, 16), font, 0.45,
                (30, 30, 30), 1, cv2.LINE_AA)
    cv2.putText(img, "columns: predicted", (4, height - 8), font, scale, (90, 90, 90), 1,
                cv2.LINE_AA)
    ok, data = cv2.imencode(".png", img[..., ::-1])  # RGB -> BGR for OpenCV
    if not ok:  # pragma: no cover
        raise RuntimeError("PNG encoding failed")
    with atomic_path(path) as tmp:
        tmp.write_bytes(data.tobytes())
    return path


def stream_report(labels: np.ndarray, preds: Dict[str, np.ndarray], names: List[str]) -> dict:
    """Accuracy per stream (``rgb``, ``pose``, ``fused``: whichever were computed) and per class (fused or main)."""
    out = {f"acc_{k}": accuracy(v, labels) for k, v in preds.items()}
    main = "fused" if "fused" in preds else next(iter(preds))
    matrix = confusion_matrix(labels, preds[main], len(names))
    out["per_class"] = {k: per_class_accuracy(confusion_matrix(labels, v, len(names)), names)
                        for k, v in preds.items()}
    out["confusion"] = matrix.tolist()
    out["confusion_stream"] = main
    return out

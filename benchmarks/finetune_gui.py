"""Does the studio stay responsive while it trains? Event-loop latency of the Fine-tune dialog during a real run.

Renders a 2-class synthetic set, opens the Fine-tune dialog (offscreen), starts a real ``cpu-quick`` training
subprocess and, while it runs, measures how late a 20 ms QTimer fires (the GUI thread's latency: what a click
or a repaint waits). Then presses Stop and measures how long the run takes to save and end. Prints medians
over ``--runs`` runs: dialog open time, start-to-first-plot-point, GUI latency (median and 95th percentile of
the ticks), stop-to-end.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/finetune_gui.py [--runs 3] [--seconds 20]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TICK_MS = 20


def one_run(data: Path, folder: Path, seconds: float) -> dict:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    from app.training.finetune_dialog import FinetuneDialog

    t0 = time.perf_counter()
    dialog = FinetuneDialog(None, None, data=data)
    dialog.show()
    opened = time.perf_counter() - t0
    dialog.run_dir.setText(str(folder / "run"))
    dialog.extra_args = ["--batch", "2", "--epochs", "50", "--log-every", "0"]
    lateness, first_point = [], [None]
    clock, last = QElapsedTimer(), [0]
    loop = QEventLoop()

    def tick() -> None:
        now = clock.elapsed()
        lateness.append(max(0, now - last[0] - TICK_MS))
        last[0] = now
        if first_point[0] is None and dialog.plot.points("loss"):
            first_point[0] = time.perf_counter() - started
        if first_point[0] is not None and time.perf_counter() - started > first_point[0] + seconds:
            loop.quit()
        if not dialog.training:
            loop.quit()

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    started = time.perf_counter()
    dialog.start()
    clock.start()
    timer.start()
    loop.exec()
    timer.stop()
    t_stop = time.perf_counter()
    dialog.stop()
    ended = QEventLoop()
    dialog.run.finished.connect(lambda _o: ended.quit())
    if dialog.training:
        ended.exec()
    stop_s = time.perf_counter() - t_stop
    lateness.sort()
    result = {"open_s": opened, "first_point_s": first_point[0] or float("nan"),
              "latency_median_ms": statistics.median(lateness) if lateness else float("nan"),
              "latency_p95_ms": lateness[int(0.95 * (len(lateness) - 1))] if lateness else float("nan"),
              "stop_s": stop_s, "status": dialog.outcome.status if dialog.outcome else "?"}
    dialog.close()
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seconds", type=float, default=20.0, help="seconds of training to measure after the first point")
    args = p.parse_args(argv)
    os.environ.setdefault("EPAM_STUDIO_SETTINGS", str(Path(tempfile.mkdtemp()) / "studio.ini"))
    os.environ.setdefault("EPAM_CACHE_DIR", tempfile.mkdtemp(prefix="epam-cache-"))
    from core_model.export import make_synthetic_set

    from app.main import create_app

    folder = Path(tempfile.mkdtemp(prefix="finetune-bench-"))
    data = make_synthetic_set(folder / "set", classes=2, clips_per_class=3, size=(96, 72)).path
    create_app()
    rows = [one_run(data, folder / f"r{i}", args.seconds) for i in range(args.runs)]
    for i, row in enumerate(rows):
        print(f"run {i + 1}: " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                          for k, v in row.items()), flush=True)
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0] if k != "status"}
    print(f"medians of {len(rows)} runs (load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores): "
          f"dialog opens in {med['open_s']:.2f} s; first plot point {med['first_point_s']:.1f} s after Start; "
          f"GUI latency while training {med['latency_median_ms']:.0f} ms median, {med['latency_p95_ms']:.0f} ms p95 "
          f"(20 ms timer); Stop to saved and ended {med['stop_s']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

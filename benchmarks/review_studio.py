"""The studio's review panels over the 50-video / 20,000-segment project: one debounced rebuild after an edit.

Builds the project and its analyses like ``benchmarks/review_speed.py``, opens it through the app's
``ProjectController`` with a ``ReviewController`` and the three panels (offscreen), then times, as medians of the
rebuild, the panels' refresh and their paint:
  - queue rebuild + Review list refresh, current video and whole project;
  - agreement rebuild + Agreement panel refresh (confusion matrix, per-class table), video and project;
  - time budgets + Statistics panel refresh (bars, ethogram, table), video and project;
  - all three after one edit, whole project (what a user waits for after a correction with everything on screen);
  - the core's own project_queue / project_agreement / project_budgets in the same run, for comparison.
Each figure follows one real edit (a label added to the current video), the edit's own time not included.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/review_studio.py [--videos 50] [--segments 20000]
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from review_speed import build_project, median_ms  # noqa: E402



def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=50)
    ap.add_argument("--segments", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    from app.project.project_controller import ProjectController
    from app.review.review_controller import AGREEMENT, QUEUE, STATS, ReviewController
    from app.common.state import Session
    from app.review.agreement_panel import AgreementPanel
    from app.review.review_queue import ReviewQueueWidget
    from app.review.stats_panel import StatsPanel
    from core_model.project import CreateSegment

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = build_project(tmp, args.videos, args.segments)
        print(f"built the project and its analyses ({time.perf_counter() - t0:.0f} s)", flush=True)
        project, session = ProjectController(), Session()
        project.open_project(path)
        c = ReviewController(project, session, lambda f: None)
        panels = [ReviewQueueWidget(c), AgreementPanel(c), StatsPanel(c)]
        for p in panels:
            p.resize(360, 700)
            p.show()
        rec = project.store.videos()[0]
        entry = session.add(Path(tmp) / rec.rel_path)
        entry.project_id = rec.id
        session.update(entry, frame_count=rec.frame_count, fps=rec.fps)
        session.set_current(entry)
        for kind in (QUEUE, AGREEMENT, STATS):
            c.set_active(kind, True)
        app.processEvents()

        label = project.store.labels()[0].id
        frame = [0]

        def edit() -> None:
            """One label added on the current video (what a correction does)."""
            frame[0] += 1
            project.apply(CreateSegment(rec.id, 5, frame[0] * 10, frame[0] * 10 + 5, label))

        def after_edit(kinds):
            """An edit, then the rebuild of ``kinds`` only and the paint (the edit's own time subtracted)."""
            def run():
                edit()
                t0 = time.perf_counter()
                for kind in kinds:
                    c.invalidate(kind)
                c.rebuild()
                app.processEvents()
                times.append((time.perf_counter() - t0) * 1000)
            times = []
            for kind in (QUEUE, AGREEMENT, STATS):
                c.set_active(kind, kind in kinds)
            for _ in range(args.repeat):
                run()
            return statistics.median(times)

        print(f"{args.videos} videos, {args.segments} segments (medians of {args.repeat}; after one edit)", flush=True)
        rows = []

        def show(text, ms, n):
            rows.append((text, ms, n))
            print(f"  {text:36s} {ms:8.1f} ms   ({n} items)", flush=True)

        show("the edit itself (durable commit)", median_ms(edit, args.repeat), 1)
        for scope in ("video", "project"):
            c.set_queue_scope(scope)
            c.set_agreement_scope(scope)
            c.set_stats_scope(scope)
            show(f"queue + list, {scope}", after_edit([QUEUE]), len(c.queue))
            show(f"agreement + panel, {scope}", after_edit([AGREEMENT]),
                 c.agreement_report().frames if c.agreement_report() else 0)
            show(f"budgets + charts + table, {scope}", after_edit([STATS]), len(c.budgets))
        show("queue + agreement + budgets, project", after_edit([QUEUE, AGREEMENT, STATS]), 0)
        from core_model.review.project_review import project_agreement, project_budgets, project_queue

        store = project.store  # the core alone, same run (what the panels add is the difference)
        show("core: project_queue, project", median_ms(lambda: project_queue(store, results=c.results), args.repeat),
             len(c.queue))
        show("core: project_agreement, project",
             median_ms(lambda: project_agreement(store, results=c.results), args.repeat), 0)
        show("core: project_budgets, project", median_ms(lambda: project_budgets(store), args.repeat), len(c.budgets))
        project.close_project()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

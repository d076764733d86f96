"""OpenVINO sets the C locale while it reads, saves or compiles a model and puts it back: two loads at once in one
process (the pose models load in parallel; Analyze loads EPAM-Net beside them) must not leave the process in the
"C" locale, where open() reads and writes text as ASCII (a label export with "é" then fails)."""
from __future__ import annotations

import locale
import threading

import pytest

pytest.importorskip("openvino")


def test_pose_graphs_made_at_once_leave_the_locale_as_it_was(tmp_path, monkeypatch):
    from core_model.pose.roi_graph import PoseGraph

    monkeypatch.setenv("EPAM_CACHE_DIR", str(tmp_path))  # a first use too: models read, pruned and saved
    before = locale.setlocale(locale.LC_CTYPE)
    try:
        for _ in range(3):
            graphs = []
            threads = [threading.Thread(target=lambda: graphs.append(PoseGraph(runtime="openvino")))
                       for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert len(graphs) == 2 and all(g.runtime == "openvino" for g in graphs)
            for g in graphs:
                g.close()
            assert locale.setlocale(locale.LC_CTYPE) == before
            assert locale.getpreferredencoding(False) == "UTF-8" or before in ("C", "POSIX")
    finally:
        locale.setlocale(locale.LC_CTYPE, before)

"""EPAM Studio sends nothing anywhere: OpenVINO is imported with its usage telemetry declined (``import openvino``
alone would send an event to Google Analytics from a forked process that outlives a killed extraction)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("openvino")
pytest.importorskip("openvino_telemetry")

ROOT = Path(__file__).resolve().parents[2]
_CHECK = """
import os, time
forks = []
os.register_at_fork(before=lambda: forks.append(1))
{imports}
time.sleep(0.5)  # the event is sent from a thread
import openvino.tools.ovc as ovc
print(ovc.telemetry.consent, len(forks))
"""


def _run(imports: str) -> list:
    out = subprocess.run([sys.executable, "-c", _CHECK.format(imports=imports)], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120, check=True)
    return out.stdout.split()


def test_openvino_is_imported_with_its_telemetry_declined():
    assert _run("from core_model.runtime.openvino_quiet import import_openvino\nimport_openvino()") == ["False", "0"]


def test_the_pose_models_on_openvino_load_without_telemetry():
    loaded = _run("from core_model.pose.openvino_landmarks import OpenVinoLandmarks\n"
                  "from core_model.runtime.openvino_graph import shared_core\nshared_core()")
    assert loaded == ["False", "0"]

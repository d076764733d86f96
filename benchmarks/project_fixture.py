"""Write a synthetic labeling project (default: 50 videos, 20,000 segments, records without video files).

Reusable from code: ``from core_model.project.synthetic import make_project``.

Run: .venv/bin/python benchmarks/project_fixture.py OUT.epam [--videos 50] [--segments 20000] [--frames 9000]
     [--real-videos]   (also writes small distinct bar-code videos beside the project)
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core_model.project.synthetic import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())

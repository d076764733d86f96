"""OpenMP's idle threads sleep instead of spinning (``OMP_WAIT_POLICY=PASSIVE``) in our programs.

PyTorch's CPU threads spin while they wait by default. On a laptop or a shared machine where anything else runs
(the pose workers of the same command, the studio, a browser) the spinning threads take the cores from the work:
measured on the 2-core development machine, a 2-thread EPAM-Net forward was up to 4x slower under load, and a cold
``epam analyze`` of a 4-second clip took 9.1 s against 7.5-8.2 s with sleeping threads at a load of 2-3
(docs/guide/speed.md). OpenMP reads the variable once, when torch loads it, so the entry points call
:func:`prefer_passive_wait` before anything imports torch; a value the user set is kept.
"""
from __future__ import annotations

import os


def prefer_passive_wait() -> None:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` unless the user chose a policy (inherited by our worker processes)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

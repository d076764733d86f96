"""Entry point of the desktop bundle: ``epam-studio`` starts the app, the ``epam`` link next to it the CLI.

PyInstaller freezes this script; ``multiprocessing.freeze_support()`` lets the spawned pose-extraction
workers (``core_model.pose.parallel``) start from the frozen executable.
"""
from __future__ import annotations

import multiprocessing
import os
import sys


def main() -> int:
    multiprocessing.freeze_support()
    if os.path.basename(sys.argv[0]) in ("epam", "epam.exe"):
        from core_model.cli import main as cli_main
    else:
        from app.main import main as cli_main
    return cli_main()


if __name__ == "__main__":
    raise SystemExit(main())

"""``epam-studio`` entry point (the GUI issue fills this in)."""
from __future__ import annotations

import sys


def main(argv=None) -> int:
    sys.stderr.write("epam-studio: the desktop app is not built yet; use the `epam` CLI.\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

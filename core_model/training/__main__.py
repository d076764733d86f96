"""``python -m core_model.training DATA -o RUN_DIR ...``: the same as ``epam train`` (for subprocesses, torchrun)."""
import sys

from core_model.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["train", *sys.argv[1:]]))

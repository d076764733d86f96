"""``epam`` command-line entry point.

Subcommands live in ``core_model/commands/<name>.py``; each module defines
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``, and imports
heavy packages (torch, mediapipe) inside ``run`` so ``epam --help`` stays instant.
Every error reaches the user as one line on stderr with a non-zero exit code. Output piped into a reader
that stops early (``epam … | head``) ends the command quietly with status 141 (128 + SIGPIPE), as it ends
Unix tools.

Run as the program (``epam``, ``python -m core_model.cli``: ``main()`` without arguments), the command ends
without tearing the interpreter down (see :func:`_end_program`): freeing PyTorch's modules and objects one by
one takes ~0.3 s of CPU after an analysis, and nothing needs it.
"""
from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from typing import List, Optional

from . import __version__
from .errors import Cancelled, EpamError

#: subcommand name -> module under core_model.commands
COMMANDS = {
    "model-info": "model_info",
    "extract": "extract",
    "analyze": "analyze",
    "project": "project",
    "labels": "labels",
    "export": "export",
    "synth-dataset": "synth_dataset",
    "train": "train",
    "convert-checkpoint": "convert_checkpoint",
    "poses": "poses",
    "compare": "compare",
    "subjects": "subjects",
    "coders": "coders",
    "scheme": "scheme",
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line (no usage dump)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """The ``epam`` parser. ``only``: the command being run; the other commands' modules are then not
    imported (their argument definitions can import packages such as the label formats: start-up time)."""
    parser = _Parser(prog="epam", description="EPAM Studio command-line tool.")
    parser.add_argument("--version", action="version", version=f"epam-studio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module_name in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name)  # known, never parsed in this run
            continue
        try:
            module = importlib.import_module(f"core_model.commands.{module_name}")
        except ModuleNotFoundError:
            continue  # a command not built yet
        p = sub.add_parser(name, help=getattr(module, "HELP", ""), description=getattr(module, "HELP", ""))
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def _one_line_warnings() -> None:
    """Show Python warnings (damaged video, library notes) as one ``epam: warning:`` line each, once."""
    import warnings

    shown = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = " ".join(str(message).split())
        if text not in shown:
            shown.add(text)
            (file or sys.stderr).write(f"epam: warning: {text}\n")

    warnings.showwarning = show


#: exit status when the reader of our output went away (as a Unix tool killed by SIGPIPE)
EXIT_PIPE = 128 + int(getattr(signal, "SIGPIPE", 13))


def _stdout_to_devnull() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's final flush stays quiet (the way
    the Python documentation recommends for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout (embedded, captured): nothing to flush
        pass


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command in ``argv`` (default: the program's arguments) and return its exit status. Without
    ``argv`` (the program itself) the process ends here, with that status (:func:`_end_program`)."""
    from .omp_policy import prefer_passive_wait
    from .startup_trace import mark

    mark("command_start")  # benchmarks/cold_analyze.py: the interpreter started and core_model imported
    prefer_passive_wait()  # before torch loads (core_model/omp_policy.py)
    try:
        code = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()
        code = EXIT_PIPE
    if argv is None:
        _end_program(code)
    return code


def _end_program(code: int) -> None:
    """End the process with ``code`` as a normal exit would, less the interpreter's teardown: the other threads
    that are not daemons are waited for and every ``atexit`` handler runs (warm pose workers closed, logs
    flushed), then the process exits without freeing each module and object (``os._exit``)."""
    import atexit
    import threading

    shutdown = getattr(threading, "_shutdown", None)  # what the interpreter itself calls at exit
    if shutdown is not None:
        shutdown()
    else:  # pragma: no cover - another Python implementation
        for thread in threading.enumerate():
            if thread is not threading.current_thread() and not thread.daemon:
                thread.join()
    atexit._run_exitfuncs()
    from .startup_trace import mark

    mark("exit")  # the command's own process ends (its CPU seconds: the whole process)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            code = EXIT_PIPE if stream is sys.stdout else code
        except (OSError, ValueError, AttributeError):  # closed or replaced by the caller: nothing to flush
            pass
    os._exit(code)


def _command_of(argv: List[str]) -> Optional[str]:
    """The command named by ``argv`` (its first word when that is a command), else ``None``."""
    first = argv[0] if argv else None
    return first if first in COMMANDS else None


def _main(argv: Optional[List[str]] = None) -> int:
    _one_line_warnings()
    parser = build_parser(only=_command_of(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except Cancelled:
        sys.stderr.write("epam: cancelled\n")
        return 130
    except KeyboardInterrupt:
        sys.stderr.write("epam: interrupted\n")
        return 130
    except BrokenPipeError:
        raise  # the reader went away: main() ends quietly
    except EpamError as exc:
        sys.stderr.write(f"epam: error: {exc}\n")
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence for the user
        if os.environ.get("EPAM_DEBUG"):
            raise
        sys.stderr.write(f"epam: internal error: {type(exc).__name__}: {exc} (set EPAM_DEBUG=1 for details)\n")
        return 3


if __name__ == "__main__":
    raise SystemExit(main())

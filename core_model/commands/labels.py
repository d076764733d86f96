"""``epam labels SUBCOMMAND``: label files of a project (one module per subcommand: labels_<name>.py)."""
from __future__ import annotations

import argparse
import importlib

HELP = "export or import a project's labels (CSV/JSON), and other label tools"

#: subcommand -> module under core_model.commands (absent modules are skipped: not built yet)
SUBCOMMANDS = {
    "export": "labels_export",
    "import": "labels_import",
    "agreement": "labels_agreement",
    "stats": "labels_stats",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="labels_command", metavar="SUBCOMMAND", parser_class=type(p))
    sub.required = True
    for name, module_name in SUBCOMMANDS.items():
        try:
            module = importlib.import_module(f"core_model.commands.{module_name}")
        except ModuleNotFoundError as err:
            if err.name != f"core_model.commands.{module_name}":
                raise
            continue
        sp = sub.add_parser(name, help=getattr(module, "HELP", ""), description=getattr(module, "HELP", ""))
        module.add_arguments(sp)
        sp.set_defaults(_labels_run=module.run)


def run(args: argparse.Namespace) -> int:
    return int(args._labels_run(args) or 0)

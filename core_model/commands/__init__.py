"""CLI subcommands; each module defines HELP, add_arguments(parser) and run(args) -> int."""

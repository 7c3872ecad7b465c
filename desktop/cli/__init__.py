"""The ``tianbao`` command line: :mod:`desktop.cli.main` parses and dispatches, each
``*_commands`` module registers and runs one subject's sub-commands, :mod:`desktop.cli.common`
holds what they share. Only starting the desktop app (no sub-command) loads Qt."""

"""``python -m desktop``, and the entry point of the frozen (PyInstaller) app."""

import gc

# No cyclic garbage collection while the command line's modules load: main() decides whether it
# stays off while a window starts (desktop/cli/main.py, issue 15) or comes back for a command.
gc.disable()

# An absolute import, because PyInstaller runs this file as a top-level script.
from desktop.cli.main import main  # noqa: E402

gc.enable()

if __name__ == "__main__":
    raise SystemExit(main())

"""``python -m desktop``, and the entry point of the frozen (PyInstaller) app."""

# An absolute import, because PyInstaller runs this file as a top-level script.
from desktop.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())

"""Which version of Tianbao is running, for the About dialog, every report and every sync file."""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "tianbao"
# A checkout that was never installed has no package metadata; say so rather than guess.
UNKNOWN_VERSION = "dev"


def app_version() -> str:
    """The installed version (``0.1.0``), from the package metadata that pip, or the
    PyInstaller bundle (build.spec copies it), ships; ``dev`` when there is none."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION

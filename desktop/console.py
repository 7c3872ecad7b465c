"""What the headless commands share about the console they print to."""

from __future__ import annotations

import io
import sys


def utf8_stdout() -> None:
    """Print UTF-8 whatever the console: Chinese reasons on a Windows console redirected to a
    file would otherwise use the ANSI code page and fail on characters outside GBK (and JSON is
    UTF-8 by definition, RFC 8259 §8.1)."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")

"""What the headless commands share: exit codes, year ranges, the console they print to and the
operating system's user."""

from __future__ import annotations

import argparse
import io
import sys

from db.plan_years import FIRST_YEAR, LAST_YEAR

# A refusal the user can act on (bad file, unknown unit, locked year): its reason is on stderr.
EXIT_REFUSED = 1
# The database cannot be found or opened.
EXIT_STORAGE_ERROR = 2


def utf8_stdout() -> None:
    """Print UTF-8 whatever the console: Chinese reasons on a Windows console redirected to a
    file would otherwise use the ANSI code page and fail on characters outside GBK (and JSON is
    UTF-8 by definition, RFC 8259 §8.1)."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")


def year_range(text: str) -> range:
    """``2020-2025`` → range(2020, 2026); a single year is a range of one."""
    first, _, last = text.partition("-")
    try:
        start, stop = int(first), int(last or first)
    except ValueError:
        raise argparse.ArgumentTypeError(f"年份范围应写成 2020-2025，而不是 {text!r}") from None
    if not (FIRST_YEAR <= start <= stop <= LAST_YEAR):
        raise argparse.ArgumentTypeError(f"年份必须在{FIRST_YEAR}—{LAST_YEAR}年之间")
    return range(start, stop + 1)


def os_user() -> str:
    """Who imported what: the operating system's login name, as a clerk's PC has one per
    person; "" when there is none (a service account)."""
    import getpass  # with termios: not before the desktop app's window (issue 15)

    try:
        return getpass.getuser()[:64]
    except Exception:  # noqa: BLE001 - no login name (a service account) is not an error
        return ""

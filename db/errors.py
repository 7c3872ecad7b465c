"""Errors a user can cause and fix: a bad file, a refused import, a locked year, a full disk.

Everything else that escapes is a bug. The command line and the GUI show a UserError's message as it
is; any other exception goes to the crash report (desktop/crash.py).
"""


class UserError(Exception):
    """A mistake or a refusal the user can act on; ``str(error)`` is plain Chinese for them."""

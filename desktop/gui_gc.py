"""Python's cyclic garbage collector, run on the GUI thread only.

Python collects cycles in whichever thread happens to allocate when a threshold is crossed. A
cycle holding Qt objects (a closed dialog and its Python slots, an old item model) collected in
a worker thread — the township evaluation, an import — destroys those QObjects in the wrong
thread, and the process dies with a segmentation fault (seen in tests/test_clerks_day.py: a
closed wizard collected inside the overview's worker). pyqtgraph solves it the same way
(``pyqtgraph.util.garbage_collector``): automatic collection off, the same thresholds checked
by a timer on the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QTimer

CHECK_INTERVAL_MS = 500
_timer: QTimer | None = None


def collect_on_gui_thread() -> None:
    """Switch automatic collection off and collect from a GUI-thread timer instead (idempotent)."""
    global _timer
    app = QCoreApplication.instance()
    if _timer is not None or app is None:
        return
    gc.disable()
    _timer = QTimer(app)
    _timer.setInterval(CHECK_INTERVAL_MS)
    _timer.timeout.connect(_check)
    _timer.start()


def collecting_on_gui_thread() -> bool:
    """True once :func:`collect_on_gui_thread` took collection over (for the rest of the
    process: the app's windows come and go, the timer stays)."""
    return _timer is not None


def _check() -> None:
    # The thresholds gc itself would use (700, 10, 10 by default), per generation.
    thresholds = gc.get_threshold()
    counts = gc.get_count()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return

"""How a maild process's garbage collector runs."""

from __future__ import annotations

import gc


def settle() -> None:
    """Once started: what was built so far (modules, config, calendars) lives as long as the
    process, so the collector need not walk it again."""
    gc.freeze()

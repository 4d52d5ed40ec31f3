"""Named crash points, like Postfix's fault_injection_code: with MAILD_CRASH_AT=<name> in the
environment the process kills itself (SIGKILL, no clean-up) on reaching that point. The tests use
it to prove that a crash at the worst moment loses and duplicates nothing; MAILD_PAUSE_AT makes a
step slow at a known moment. Unset, each costs a dict look-up."""

from __future__ import annotations

import os
import signal
import time

CRASH_ENV = "MAILD_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


PAUSE_ENV = "MAILD_PAUSE_AT"


def pause_point(name: str) -> None:
    """With MAILD_PAUSE_AT=<name>:<seconds>, sleep there: a slow step at a known moment."""
    spec = os.environ.get(PAUSE_ENV)
    if spec and spec.partition(":")[0] == name:
        time.sleep(float(spec.partition(":")[2] or 1))

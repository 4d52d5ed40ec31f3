"""Named crash points, like Postfix's fault_injection_code: with MAILD_CRASH_AT=<name> in the
environment the process kills itself (SIGKILL, no clean-up) on reaching that point. The tests use
it to prove that a crash at the worst moment loses and duplicates nothing. Unset, it costs a dict
look-up."""

from __future__ import annotations

import os
import signal

CRASH_ENV = "MAILD_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)

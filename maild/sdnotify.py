"""The systemd notification protocol, without libsystemd: one datagram to $NOTIFY_SOCKET.

`notify("READY=1", "STATUS=...")` sends one message of newline-separated assignments; without
$NOTIFY_SOCKET (not under systemd) it does nothing. See sd_notify(3).
"""

from __future__ import annotations

import logging
import os
import socket
import time

log = logging.getLogger("maild.daemon")


def notify(*assignments: str) -> bool:
    """Send the assignments; True when they were sent."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address or not assignments:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall("\n".join(assignments).encode())
    except OSError as exc:
        log.warning("sd_notify to %s failed: %s", address, exc)
        return False
    return True


def reloading() -> bool:
    """RELOADING=1 with the monotonic time, as systemd 253+ wants for Type=notify-reload."""
    return notify("RELOADING=1",
                  f"MONOTONIC_USEC={time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000}")


def watchdog_interval() -> float | None:
    """Half of WatchdogSec= (the recommended ping interval), when systemd watches this process."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and int(pid) != os.getpid()):
        return None
    return int(usec) / 1_000_000 / 2

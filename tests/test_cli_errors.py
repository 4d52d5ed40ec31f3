"""What the command line says when it cannot do what was asked: one `maild: ...` line on stderr,
no traceback, a non-zero exit."""

from __future__ import annotations

import socket
import subprocess

import pytest

from conftest import MaildSetup


def one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode not in (0, None), result.stdout.decode()
    lines = result.stderr.decode().splitlines()
    assert b"Traceback" not in result.stderr and len(lines) >= 1, result.stderr.decode()
    assert lines[-1].startswith("maild: "), lines
    return lines[-1]


@pytest.mark.parametrize("args, expected", [
    (("ticket", "999"), "maild: no ticket 999"),
    (("quarantine", "show", "999"), "maild: no raw mail 999"),
    (("retry", "999"), "maild: no quarantined mail 999"),
    (("route", "--explain", "no-such.eml"), "maild: no-such.eml: No such file or directory"),
])
def test_unknown_ids_and_missing_files(offline_setup: MaildSetup, args: tuple[str, ...],
                                       expected: str) -> None:
    assert one_line(offline_setup.cli(*args)) == expected


def test_run_on_a_port_in_use_names_the_address(offline_setup: MaildSetup) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", offline_setup.smtp_port))
        taken.listen()
        result = offline_setup.cli("run", timeout=30)
    assert result.returncode == 1
    port = offline_setup.smtp_port
    assert one_line(result).startswith(f"maild: cannot listen on 127.0.0.1:{port}: ")

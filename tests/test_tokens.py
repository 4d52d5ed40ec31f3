"""The token source (maild/runtime/tokens.py) with real commands, and maild's own token helper
(maild-oauth2-token) against the test's real OAuth2 token endpoint."""

from __future__ import annotations

import json
import logging
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TokenServer, oauth2_helper
from maild.runtime.tokens import TokenSource, TokenUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def command(tmp_path: Path, script: str) -> str:
    """A shell script that counts its runs in `runs` next to it."""
    path = tmp_path / "token-cmd"
    path.write_text(f"#!/bin/sh\necho run >> {tmp_path / 'runs'}\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def runs(tmp_path: Path) -> int:
    path = tmp_path / "runs"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_a_json_token_is_kept_until_a_minute_before_it_expires(tmp_path: Path) -> None:
    clock = Clock()
    source = TokenSource(
        command(
            tmp_path, """echo '{"access_token": "tok-'$(wc -l < runs)'", "expires_in": 3600}'"""
        ),
        "relay",
        tmp_path,
        clock=clock,
    )
    assert source.token() == "tok-1"
    clock.now += 3539
    assert source.token() == "tok-1" and runs(tmp_path) == 1
    clock.now += 2  # within the last minute: a login with it might not finish in time
    assert source.token() == "tok-2" and runs(tmp_path) == 2


def test_a_bare_token_is_kept_five_minutes_and_refresh_runs_the_command_again(
    tmp_path: Path,
) -> None:
    clock = Clock()
    source = TokenSource(
        command(tmp_path, "echo bare-$(wc -l < runs)\necho ignored"), "relay", tmp_path, clock=clock
    )
    assert source.token() == "bare-1"
    clock.now += 299
    assert source.token() == "bare-1"
    assert source.refresh() == "bare-2"
    assert source.token() == "bare-2"
    clock.now += 301
    assert source.token() == "bare-3"


def test_the_command_runs_in_the_config_folder(tmp_path: Path) -> None:
    """A relative path in oauth2_command is the config folder's, as every path in the config."""
    (tmp_path / "token.txt").write_text("from-a-file\n")
    assert TokenSource("cat token.txt", "relay", tmp_path).token() == "from-a-file"


@pytest.mark.parametrize(
    ("script", "message"),
    [
        (
            "echo 'invalid_grant: revoked' >&2; exit 3",
            r"oauth2_command failed: .*token-cmd exit status 3: invalid_grant: revoked",
        ),
        ("exit 0", "oauth2_command printed no token"),
        ("echo '{\"access_token\": \"\"}'", "oauth2_command printed JSON without an access_token"),
        ("echo '{not json'", "oauth2_command printed JSON that does not parse"),
    ],
    ids=["exit-status", "nothing", "empty-access-token", "bad-json"],
)
def test_a_failing_command_is_a_clear_error_told_once_until_it_works(
    tmp_path: Path, script: str, message: str
) -> None:
    states: list[tuple[str, str | None]] = []
    flag = tmp_path / "works"
    source = TokenSource(
        command(tmp_path, f"if [ -e {flag} ]; then echo good; exit 0; fi\n{script}"),
        "relay, mailbox helpdesk",
        tmp_path,
        lambda label, error: states.append((label, error)),
    )
    for _ in range(3):
        with pytest.raises(TokenUnavailable, match=message):
            source.token()
    assert len(states) == 1 and states[0][0] == "relay, mailbox helpdesk"  # once, not on each try
    flag.touch()
    assert source.token() == "good"
    source.accepted()
    source.accepted()
    assert states[1:] == [("relay, mailbox helpdesk", None)]
    source.refused("relay refused a fresh token: 535")
    assert states[2:] == [("relay, mailbox helpdesk", "relay refused a fresh token: 535")]


def test_stderr_is_logged_with_the_token_blanked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = TokenSource(
        command(tmp_path, "echo 'refreshed ya29.secret-value for you' >&2\necho ya29.secret-value"),
        "relay",
        tmp_path,
    )
    with caplog.at_level(logging.INFO, logger="maild.tokens"):
        assert source.token() == "ya29.secret-value"
    assert "relay: oauth2_command said: refreshed [token] for you" in caplog.messages
    assert "ya29.secret-value" not in caplog.text


def helper(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "maild.contrib.oauth2_token", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_token_helper_prints_json_from_the_token_endpoint(
    tmp_path: Path, token_server: TokenServer
) -> None:
    argv = oauth2_helper(tmp_path, token_server).split()[
        3:
    ]  # after "python -m maild.contrib.oauth2_token"
    result = helper(*argv)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"access_token": "ya29.granted-1", "expires_in": 3600}
    assert token_server.answer("/introspect", {"token": "ya29.granted-1"})[1]["active"] is True
    # maild reads it as oauth2_command output.
    source = TokenSource(oauth2_helper(tmp_path, token_server), "relay", tmp_path)
    assert source.token() == "ya29.granted-2"


def test_the_token_helper_keeps_a_rotated_refresh_token(
    tmp_path: Path, token_server: TokenServer
) -> None:
    token_server.rotate = True
    argv = oauth2_helper(tmp_path, token_server).split()[3:]
    first = token_server.refresh_token
    assert helper(*argv).returncode == 0
    assert (tmp_path / "refresh-token").read_text() == f"{first}+\n"
    assert stat.S_IMODE((tmp_path / "refresh-token").stat().st_mode) == 0o600
    assert helper(*argv).returncode == 0  # the old one is no longer good; the kept one is
    assert token_server.granted == ["ya29.granted-1", "ya29.granted-2"]


def test_the_token_helper_says_why_a_revoked_grant_fails(
    tmp_path: Path, token_server: TokenServer
) -> None:
    argv = oauth2_helper(tmp_path, token_server).split()[3:]
    token_server.revoke()
    result = helper(*argv)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == (
        f"maild-oauth2-token: {token_server.token_url} refused the refresh token: invalid_grant: "
        "AADSTS70000: the refresh token was revoked.")
    unreachable = helper("--token-url", "http://127.0.0.1:9/token", "--client-id", "x",
                         "--refresh-token-file", str(tmp_path / "refresh-token"))
    assert (
        unreachable.returncode == 1
        and "cannot reach http://127.0.0.1:9/token" in unreachable.stderr
    )


def test_the_token_helper_signs_in_with_the_device_flow_and_keeps_the_refresh_token(
    tmp_path: Path, token_server: TokenServer
) -> None:
    refresh = tmp_path / "oauth2" / "refresh-token"
    refresh.parent.mkdir()
    result = helper(
        "--token-url",
        token_server.token_url,
        "--client-id",
        "maild-test",
        "--refresh-token-file",
        str(refresh),
        "--device-code-url",
        token_server.device_code_url,
        "--scope",
        "https://outlook.office.com/SMTP.Send offline_access",
    )
    assert result.returncode == 0, result.stderr
    assert "open https://example.com/devicelogin and enter TEST-CODE" in result.stderr
    assert token_server.polls == 2  # pending first, then signed in
    assert refresh.read_text() == f"{token_server.refresh_token}\n"
    assert json.loads(result.stdout)["access_token"] == "ya29.granted-1"
    again = helper("--token-url", token_server.token_url, "--client-id", "maild-test",
                   "--refresh-token-file", str(refresh))
    assert json.loads(again.stdout)["access_token"] == "ya29.granted-2"

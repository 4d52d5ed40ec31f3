"""maild-oauth2-token: an access token from a refresh token, for `oauth2_command`.

Asks an OAuth2 token endpoint (RFC 6749 6: grant_type=refresh_token) and prints its answer's
`access_token` and `expires_in` as JSON on stdout, as maild's oauth2_command expects. A provider
that rotates refresh tokens (Microsoft 365) sends a new one: it replaces the old one in the
refresh-token file (written aside, then renamed). Errors go to stderr, the last line saying why;
the exit status is 1. Only the standard library: it runs wherever maild runs.

    maild-oauth2-token --token-url https://login.microsoftonline.com/TENANT/oauth2/v2.0/token \\
        --client-id ID --refresh-token-file /etc/maild/refresh-token \\
        --scope "https://outlook.office.com/SMTP.Send offline_access"

The first refresh token, where the provider has the device flow (RFC 8628; Microsoft does), comes
from `--device-code-url`: it prints where to sign in and the code to enter, waits, and writes the
refresh-token file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

TIMEOUT_SECONDS = 30


class TokenError(Exception):
    """The endpoint refused the grant, or could not be asked; `code` is its OAuth2 error."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="maild-oauth2-token", description=__doc__.split("\n\n")[0])
    p.add_argument("--token-url", required=True, help="the provider's token endpoint")
    p.add_argument("--client-id", required=True, help="the app registration's client id")
    p.add_argument("--client-secret-file", type=Path, help="the client secret, if the app has one")
    p.add_argument("--refresh-token-file", type=Path, required=True,
                   help="the refresh token; a rotated one is written back here")
    p.add_argument("--scope", help="space-separated scopes to ask for (Microsoft wants them)")
    p.add_argument("--device-code-url", help="sign in once with the device flow (RFC 8628) and "
                   "write the refresh-token file, instead of reading it")
    return p


def _read(path: Path, what: str) -> str:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, ValueError) as exc:
        raise TokenError(
            f"cannot read the {what} {path}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    if not value:
        raise TokenError(f"the {what} file {path} is empty")
    return value


def refresh(args: argparse.Namespace) -> dict[str, object]:
    """The endpoint's JSON answer to a refresh-token grant."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": _read(args.refresh_token_file, "refresh token"),
    }
    return _post(args.token_url, _client(args, form), "the refresh token")


def _client(args: argparse.Namespace, form: dict[str, str]) -> dict[str, str]:
    form["client_id"] = args.client_id
    if args.client_secret_file:
        form["client_secret"] = _read(args.client_secret_file, "client secret")
    if args.scope:
        form["scope"] = args.scope
    return form


def _post(url: str, form: dict[str, str], what: str) -> dict[str, object]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(),
                                     headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return _json(response.read())
    except urllib.error.HTTPError as exc:  # 400 invalid_grant: revoked, expired, wrong client
        answer = _json(exc.read(), quiet=True)
        error = answer.get("error") or f"HTTP {exc.code}"
        detail = answer.get("error_description")
        raise TokenError(f"{url} refused {what}: {error}"
                         + (f": {str(detail).splitlines()[0]}" if detail else ""), error) from None
    except (urllib.error.URLError, OSError) as exc:
        raise TokenError(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from None


def sign_in(args: argparse.Namespace) -> dict[str, object]:
    """The device flow: show the code, poll the token endpoint until the user has signed in."""
    start = _post(args.device_code_url, _client(args, {}), "the device code request")
    device_code = start.get("device_code")
    if not isinstance(device_code, str):
        raise TokenError(f"{args.device_code_url} answered without a device_code")
    print(start.get("message") or f"Open {start.get('verification_uri')} and enter the code "
          f"{start.get('user_code')}", file=sys.stderr)
    interval = float(start.get("interval") or 5)  # type: ignore[arg-type]
    deadline = time.monotonic() + float(start.get("expires_in") or 900)  # type: ignore[arg-type]
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": device_code,
    }
    while time.monotonic() < deadline:
        time.sleep(interval)
        try:
            answer = _post(args.token_url, _client(args, dict(form)), "the sign-in")
        except TokenError as exc:
            if exc.code == "slow_down":
                interval += 5
            if exc.code not in ("authorization_pending", "slow_down"):
                raise
            continue
        if not isinstance(answer.get("refresh_token"), str):
            raise TokenError(f"{args.token_url} gave no refresh token (ask for offline_access)")
        keep_rotated(args.refresh_token_file, str(answer["refresh_token"]))
        return answer
    raise TokenError("the code expired before anyone signed in")


def _json(data: bytes, quiet: bool = False) -> dict[str, object]:
    try:
        answer = json.loads(data)
    except ValueError:
        if quiet:
            return {}
        raise TokenError("the token endpoint's answer is not JSON") from None
    return answer if isinstance(answer, dict) else {}


def keep_rotated(path: Path, token: str) -> None:
    """Replace the refresh-token file whole, so a crash never leaves half a token."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(token + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError:
        os.unlink(tmp)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        answer = sign_in(args) if args.device_code_url else refresh(args)
        access = answer.get("access_token")
        if not isinstance(access, str) or not access:
            raise TokenError(f"{args.token_url} answered without an access_token")
        rotated = answer.get("refresh_token")
        if (isinstance(rotated, str) and rotated and not args.device_code_url
                and rotated != _read(args.refresh_token_file, "refresh token")):
            keep_rotated(args.refresh_token_file, rotated)
    except (TokenError, OSError) as exc:
        print(f"maild-oauth2-token: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"access_token": access, "expires_in": answer.get("expires_in")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

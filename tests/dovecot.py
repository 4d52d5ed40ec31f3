"""A private Dovecot IMAP server for tests: its own config, state and Maildir in a temp folder,
one passwd-file user, listening on a free loopback port. Started and stopped by the tests.

By default it speaks plain IMAP only (`ssl = no`). `Dovecot(dir, tls="ca")` gives it a server
certificate for 127.0.0.1/localhost signed by a throw-away CA made in its folder
(`tls="self-signed"`: a self-signed one), STARTTLS on the plain port and an imaps listener on a
second free port.
`ssl_required=True` makes it `ssl = required`: no login at all without TLS.
`oauth2_url=` adds an oauth2 passdb for XOAUTH2/OAUTHBEARER that asks that token-introspection URL
(a `TokenServer`, a real HTTP server on loopback) whether a token is good.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from imapclient import IMAPClient

USER = "helpdesk@example.com"
PASSWORD = "imap-secret"  # the same as conftest.IMAP_PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {result.stderr}")


# What a server certificate needs for Python's default context (VERIFY_X509_STRICT included).
SERVER_EXTENSIONS = """subjectAltName = IP:127.0.0.1, DNS:localhost
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def make_certificates(directory: Path, self_signed: bool = False) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) made with the openssl command line in
    `directory`: EC P-256 keys, valid for two days. Self-signed: the CA file is the server's own."""
    if shutil.which("openssl") is None:
        raise RuntimeError("the openssl command is not installed (Debian package openssl)")
    directory.mkdir(parents=True, exist_ok=True)
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    if self_signed:
        _openssl("req", "-x509", *key, "-keyout", "server.key", "-out", "server.pem", "-days", "2",
                 "-subj", "/CN=localhost", "-addext",
                 "subjectAltName = IP:127.0.0.1, DNS:localhost",
                 "-addext", "extendedKeyUsage = serverAuth", cwd=directory)
        return directory / "server.pem", directory / "server.pem", directory / "server.key"
    _openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=maild test CA", "-addext", "basicConstraints = critical, CA:TRUE",
             "-addext", "keyUsage = critical, keyCertSign, cRLSign", cwd=directory)
    _openssl("req", *key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost",
             cwd=directory)
    (directory / "server.ext").write_text(SERVER_EXTENSIONS)
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-set_serial", "2",
             "-days", "2", "-extfile", "server.ext", "-out", "server.pem", cwd=directory)
    return directory / "ca.pem", directory / "server.pem", directory / "server.key"


class TokenServer:
    """A real OAuth2 server on loopback, in a thread: a token-introspection endpoint (RFC 7662)
    that Dovecot and the test relay POST `token=...` to, and a token endpoint (RFC 6749 6) that
    grants access tokens for the one good refresh token, as Microsoft's and Google's do, and the
    first refresh token through the device flow (RFC 8628).

    The good token and every granted one are active for USER until `revoke()`, which also refuses
    the refresh token until `restore()` (a revoked grant that the admin renews). `asked` records
    every token it was asked about, `granted` every access token it gave out."""

    def __init__(self, good_token: str, user: str = USER, refresh_token: str = "1//refresh-test",
                 expires_in: int = 3600) -> None:
        self.good_token = good_token
        self.user = user
        self.refresh_token = refresh_token
        self.expires_in = expires_in
        self.rotate = False  # answer each grant with a new refresh token, as Microsoft does
        self.active = {good_token}
        self.revoked = False
        self.asked: list[str] = []
        self.granted: list[str] = []
        self.polls = 0  # device-flow polls of the token endpoint
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = {key: values[0] for key, values in parse_qs(body).items()}
                status, answer = server.answer(self.path, form)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.url = f"{base}/introspect"
        self.token_url = f"{base}/token"
        self.device_code_url = f"{base}/devicecode"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="token-server",
                                       daemon=True)

    def answer(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        with self.lock:
            if path == "/devicecode":  # RFC 8628 3.2, as Microsoft answers it
                return 200, {
                    "device_code": "device-1",
                    "user_code": "TEST-CODE",
                    "interval": 1,
                    "verification_uri": "https://example.com/devicelogin",
                    "expires_in": 60,
                    "message": "To sign in, open https://example.com/devicelogin and enter "
                    "TEST-CODE",
                }
            if (
                path == "/token"
                and form.get("grant_type") == "urn:ietf:params:oauth:grant-type:device_code"
            ):
                return self._signed_in(form)
            if path == "/token":
                return self._grant(form)
            token = form.get("token", "")
            self.asked.append(token)
            if token in self.active:
                return 200, {"active": True, "username": self.user}
            return 200, {"active": False}

    def _grant(
        self, form: dict[str, str], with_refresh: bool = False
    ) -> tuple[int, dict[str, object]]:
        if form.get("grant_type") != "refresh_token" or not form.get("client_id"):
            return 400, {
                "error": "invalid_request",
                "error_description": "refresh_token grant and client_id",
            }
        if self.revoked or form.get("refresh_token") != self.refresh_token:
            return 400, {
                "error": "invalid_grant",
                "error_description": "AADSTS70000: the refresh token was revoked.\nTrace ID: 1",
            }
        token = f"ya29.granted-{len(self.granted) + 1}"
        self.granted.append(token)
        self.active.add(token)
        answer: dict[str, object] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }
        if self.rotate:
            self.refresh_token = f"{self.refresh_token}+"
        if self.rotate or with_refresh:
            answer["refresh_token"] = self.refresh_token
        return 200, answer

    def _signed_in(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        """The first poll finds the user not signed in yet, the next one gets the tokens."""
        self.polls += 1
        if form.get("device_code") != "device-1":
            return 400, {"error": "expired_token"}
        if self.polls == 1:
            return 400, {"error": "authorization_pending", "error_description": "not yet"}
        return self._grant({"grant_type": "refresh_token", "client_id": form.get("client_id", ""),
                            "refresh_token": self.refresh_token}, with_refresh=True)

    def revoke(self) -> None:
        """Every token given out stops working, and the refresh token is refused."""
        with self.lock:
            self.active.clear()
            self.revoked = True

    def restore(self) -> None:
        """The refresh token works again (the old access tokens stay dead)."""
        with self.lock:
            self.revoked = False

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Dovecot:
    def __init__(self, directory: Path, tls: str | None = None, oauth2_url: str | None = None,
                 ssl_required: bool = False) -> None:
        if shutil.which("dovecot") is None:
            raise RuntimeError(
                "dovecot is not installed: run scripts/test (it installs dovecot-imapd)")
        if tls not in (None, "ca", "self-signed"):
            raise ValueError(f"tls must be None, 'ca' or 'self-signed', not {tls!r}")
        self.dir = directory
        self.port = _free_port()
        self.tls = tls
        self.imaps_port = _free_port() if tls else 0  # 0: no imaps listener
        self.oauth2_url = oauth2_url
        if ssl_required and not tls:
            raise ValueError("ssl_required needs tls")
        self.ssl_required = ssl_required
        self.ca_file: Path | None = None  # the certificate a client must trust, once written
        self.conf = directory / "dovecot.conf"
        # As root, Dovecot runs its processes as its own accounts and refuses uid 0 for mail.
        account = "dovecot" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        self.uid, self.gid = pwd.getpwnam(account).pw_uid, pwd.getpwnam(account).pw_gid
        self.login_user = "dovenull" if os.geteuid() == 0 else account
        self.account = account

    def write_config(self) -> None:
        d = self.dir
        for sub in ("run", "state", "mail"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        for folder in (d, *d.parents):
            if folder == Path("/"):
                break
            if not os.access(folder, os.X_OK) or (folder.stat().st_mode & 0o005) != 0o005:
                folder.chmod(folder.stat().st_mode | 0o005)  # every parent must be traversable
        os.chown(d / "mail", self.uid, self.gid)
        self.set_password(PASSWORD)
        ssl = "ssl = no"
        if self.tls:
            self.ca_file, cert, key = make_certificates(d / "tls",
                                                        self_signed=self.tls == "self-signed")
            mode = "required" if self.ssl_required else "yes"
            ssl = f"ssl = {mode}\nssl_cert = <{cert}\nssl_key = <{key}"
        mechanisms = "plain login"
        passdb = f"""passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}"""
        if self.oauth2_url:
            mechanisms = "plain login xoauth2 oauthbearer"
            (d / "oauth2.conf.ext").write_text(f"""introspection_mode = post
introspection_url = {self.oauth2_url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
""")
            # Tokens only go to the introspection server, passwords only to the passwd-file.
            passdb = f"""passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {d}/oauth2.conf.ext
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {d}/passwd
}}"""
        imaps = (f"    address = 127.0.0.1\n    port = {self.imaps_port}" if self.tls
                 else "    port = 0")
        self.conf.write_text(f"""
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
instance_name = maild-test-{self.port}
listen = 127.0.0.1
protocols = imap
{ssl}
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
default_login_user = {self.login_user}
default_internal_user = {self.account}
default_internal_group = {self.account}
first_valid_uid = {self.uid}
last_valid_uid = {self.uid}
mail_location = maildir:{d}/mail/%u
mail_fsync = never
mailbox_idle_check_interval = 1 secs
{passdb}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/passwd
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
{imaps}
  }}
}}
service anvil {{
  chroot =
}}
""")

    def set_password(self, password: str) -> None:
        (self.dir / "passwd").write_text(
            f"{USER}:{{PLAIN}}{password}:{self.uid}:{self.gid}::{self.dir}/mail/{USER}::\n")

    def start(self) -> None:
        if not self.conf.exists():
            self.write_config()
        with open(self.dir / "dovecot.out", "ab") as out:
            result = subprocess.run(["dovecot", "-c", str(self.conf)], stdout=out, stderr=out,
                                    stdin=subprocess.DEVNULL, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"dovecot did not start: {(self.dir / 'dovecot.out').read_text()}")
        deadline = time.monotonic() + 10
        for port in (self.port, self.imaps_port) if self.tls else (self.port,):
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"dovecot not listening on {port}: {self.log()}") from None
                    time.sleep(0.05)

    def _children(self) -> list[int]:
        pid_file = self.dir / "run" / "master.pid"
        if not pid_file.exists():
            return []
        master = pid_file.read_text().strip()
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == master:
                children.append(int(stat.parent.name))
        return children

    def stop(self) -> None:
        """Stop the server as a restart or crash would: client sessions are cut too (`doveadm stop`
        alone leaves running imap processes serving their connections)."""
        children = self._children()
        subprocess.run(["doveadm", "-c", str(self.conf), "stop"], capture_output=True, timeout=30)
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    time.sleep(0.05)
            except OSError:
                return

    def log(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def client(self) -> IMAPClient:
        """The test's own session; over verified TLS when the server allows nothing else."""
        if self.ssl_required:
            context = ssl.create_default_context(cafile=str(self.ca_file))
            client = IMAPClient(
                "127.0.0.1", port=self.imaps_port, ssl=True, ssl_context=context, timeout=10
            )
        else:
            client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, mails: list[bytes], folder: str = "INBOX") -> None:
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            if len(mails) > 1 and b"MULTIAPPEND" in client.capabilities():
                for start in range(0, len(mails), 200):
                    client.multiappend(folder, mails[start:start + 200])
            else:
                for content in mails:
                    client.append(folder, content)

    def count(self, folder: str) -> int:
        with self.client() as client:
            if not client.folder_exists(folder):
                return 0
            return client.select_folder(folder, readonly=True)[b"EXISTS"]

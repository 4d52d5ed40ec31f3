"""A private Dovecot IMAP server for tests: its own config, state and Maildir in a temp folder,
one passwd-file user, listening on a free loopback port. Started and stopped by the tests."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from imapclient import IMAPClient

USER = "helpdesk@example.com"
PASSWORD = "imap-secret"  # the same as conftest.IMAP_PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    def __init__(self, directory: Path) -> None:
        if shutil.which("dovecot") is None:
            raise RuntimeError("dovecot is not installed: run scripts/test (it installs dovecot-imapd)")
        self.dir = directory
        self.port = _free_port()
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
        self.conf.write_text(f"""
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
instance_name = maild-test-{self.port}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {self.login_user}
default_internal_user = {self.account}
default_internal_group = {self.account}
first_valid_uid = {self.uid}
last_valid_uid = {self.uid}
mail_location = maildir:{d}/mail/%u
mail_fsync = never
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
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
    port = 0
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
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot not listening on {self.port}: {self.log()}")

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

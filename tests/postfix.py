"""A private Postfix for tests: its own config, queue and data folders, loopback only."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MTA_DOC = ROOT / "docs" / "mta.md"


def recipe(name: str) -> dict[str, list[str]]:
    """docs/mta.md's fenced block `name`: its lines by the '# /etc/postfix/FILE' they follow."""
    block = re.search(rf"```{name}\n(.*?)```", MTA_DOC.read_text(), re.S)
    assert block, f"docs/mta.md has no ```{name} block"
    files: dict[str, list[str]] = {}
    current = ""
    for line in block.group(1).splitlines():
        if line.startswith("# /etc/postfix/"):
            current = line.split()[1].rsplit("/", 1)[1]
        elif line.strip():
            files.setdefault(current, []).append(line)
    return files


class Postfix:
    def __init__(self, directory: Path, port: int) -> None:
        self.dir, self.port = directory, port
        self.etc = directory / "etc"

    def start(self, recipe_files: dict[str, list[str]], relay_domains: str = "example.com") -> None:
        if shutil.which("postfix") is None:
            raise AssertionError("postfix is not installed: scripts/test installs Debian's package")
        self.etc.mkdir(parents=True)
        (self.dir / "spool").mkdir()
        (self.dir / "data").mkdir()
        shutil.chown(self.dir / "data", "postfix")
        shutil.copy("/etc/postfix/master.cf", self.etc / "master.cf")
        shutil.copy("/etc/postfix/dynamicmaps.cf", self.etc / "dynamicmaps.cf")
        transport = self.etc / "transport"
        main = [
            "compatibility_level = 3.6", f"queue_directory = {self.dir / 'spool'}",
            f"data_directory = {self.dir / 'data'}", "mail_owner = postfix",
            "setgid_group = postdrop",
            "inet_interfaces = 127.0.0.1", "inet_protocols = ipv4", "myhostname = mta.example.test",
            "mydestination =", "mynetworks = 127.0.0.0/8", f"relay_domains = {relay_domains}",
            "smtputf8_enable = no", f"maillog_file_prefixes = {self.dir}",
            f"maillog_file = {self.dir / 'maillog'}",
            *(line.replace("/etc/postfix/transport", str(transport))
              for line in recipe_files.get("main.cf", [])),
        ]
        (self.etc / "main.cf").write_text("\n".join(main) + "\n")
        transport.write_text("\n".join(recipe_files.get("transport", [])) + "\n")
        self._run("postmap", "-c", str(self.etc), str(transport))
        self._postconf("-F", "*/*/chroot = n")
        self._postconf("-MX", "smtp/inet")
        listen = f"127.0.0.1:{self.port}"
        self._postconf("-M", f"{listen}/inet={listen} inet n - n - - smtpd")
        self._postconf("-M", "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd")
        self._run("postfix", "-c", str(self.etc), "start")
        self._wait_listening()

    def stop(self) -> None:
        subprocess.run(["postfix", "-c", str(self.etc), "stop"], capture_output=True, timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)

    def reload(self) -> None:
        self._run("postfix", "-c", str(self.etc), "reload")

    def flush(self) -> None:
        self._run("postqueue", "-c", str(self.etc), "-f")

    def queue(self) -> str:
        return self._run("postqueue", "-c", str(self.etc), "-p")

    def log(self) -> str:
        path = self.dir / "maillog"
        return path.read_text() if path.exists() else "(no maillog)"

    def _postconf(self, *args: str) -> None:
        self._run("postconf", "-c", str(self.etc), *args)

    def _run(self, *argv: str) -> str:
        # Postfix's commands write their errors to a terminal only: `script` gives them one.
        done = subprocess.run(["script", "-qec", " ".join(f"'{a}'" for a in argv), "/dev/null"],
                              capture_output=True, timeout=60, text=True)
        if done.returncode != 0:
            output = done.stdout + done.stderr
            raise AssertionError(f"{' '.join(argv)} failed: {output}\n{self.log()}")
        return done.stdout

    def _wait_listening(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"the private Postfix did not listen on {self.port}:\n{self.log()}")

"""The package as a sysadmin installs it: the wheel built from the checkout, installed into a fresh
venv, run from a folder outside the checkout on the config `maild init` writes."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import subprocess
import sys
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

import databases
from conftest import ROOT, free_port
from mails import mail


@dataclass
class Installed:
    """A venv holding only the wheel and its dependencies."""

    venv: Path

    @property
    def maild(self) -> str:
        return str(self.venv / "bin" / "maild")

    def run(self, cwd: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([self.maild, *args], cwd=cwd, env=clean_env(), input=input,
                              capture_output=True, timeout=120)


def clean_env() -> dict[str, str]:
    """No way back into the checkout: no PYTHONPATH, no MAILD_CONFIG, no test settings."""
    drop = ("PYTHONPATH", "MAILD_CONFIG", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("MAILD_")}


def pip(*args: str | Path) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=clean_env())
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """One wheel and one venv for the module: the install is the slow part."""
    base = tmp_path_factory.mktemp("wheel")
    pip("wheel", "-q", "--no-deps", "--wheel-dir", base / "dist", ROOT)
    [wheel] = (base / "dist").glob("maild-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    command = [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
               str(wheel)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=clean_env())
    assert result.returncode == 0, f"installing {wheel.name} failed:\n{result.stderr[-3000:]}"
    return Installed(venv)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    assert ROOT not in tmp_path.parents, "the test folder must lie outside the checkout"
    return tmp_path


def init(installed: Installed, workdir: Path, *flags: str) -> Path:
    """`maild init` into workdir/etc, on a free port; on the PostgreSQL pass, a fresh database."""
    result = installed.run(workdir, "init", "etc", *flags)
    assert result.returncode == 0, result.stderr.decode()
    config = workdir / "etc" / "maild.yaml"
    text = config.read_text().replace('"127.0.0.1:2525"', f'"127.0.0.1:{free_port()}"')
    if databases.ENGINE != "sqlite":
        url = databases.database_url()
        text = text.replace("database: sqlite:///var/maild.db", f"database: {url}")
    config.write_text(text)
    return config


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Installed,
                                                             workdir: Path) -> None:
    where = subprocess.run([str(installed.venv / "bin" / "python"), "-c",
                            "import maild.report, maild.defaults as d; "
                            "print(maild.report.__file__); "
                            "print(d.TEMPLATES_DIR); print(d.EXAMPLE_CONFIG_DIR)"],
                           cwd=workdir, env=clean_env(), capture_output=True, text=True, timeout=60)
    assert where.returncode == 0, where.stderr
    for line in where.stdout.splitlines():
        assert Path(line).is_relative_to(installed.venv), line
        assert Path(line).exists(), line


def test_init_writes_a_config_that_check_config_accepts(installed: Installed,
                                                        workdir: Path) -> None:
    result = installed.run(workdir, "init", "etc")
    assert result.returncode == 0, result.stderr.decode()
    written = sorted(p.name for p in (workdir / "etc").iterdir())
    assert written == ["accounts.yaml", "maild.yaml", "routing.yaml"]
    checked = installed.run(workdir, "-c", "etc/maild.yaml", "check-config")
    assert checked.returncode == 0, checked.stderr.decode()
    assert b": ok: " in checked.stdout


def test_init_refuses_to_overwrite_and_writes_nothing(installed: Installed, workdir: Path) -> None:
    (workdir / "etc").mkdir()
    (workdir / "etc" / "routing.yaml").write_text("# mine\n")
    result = installed.run(workdir, "init", "etc")
    assert result.returncode != 0
    assert result.stderr.decode().startswith("maild: not overwriting ")
    assert b"Traceback" not in result.stderr
    assert sorted(p.name for p in (workdir / "etc").iterdir()) == ["routing.yaml"]
    assert (workdir / "etc" / "routing.yaml").read_text() == "# mine\n"


def test_init_with_templates_copies_them_and_the_config_uses_the_copy(installed: Installed,
                                                                      workdir: Path) -> None:
    config = init(installed, workdir, "--templates")
    assert "\ntemplates: templates\n" in config.read_text()
    subject = workdir / "etc" / "templates" / "acknowledgement" / "subject.txt"
    subject.write_text("Our own words [{{ tag }}]\n")
    assert installed.run(workdir, "-c", str(config), "check-config").returncode == 0
    delivered = installed.run(workdir, "-c", str(config), "deliver", input=mail().as_bytes())
    assert (delivered.returncode, delivered.stdout) == (0, b"opened\n"), delivered.stderr.decode()
    [ack] = [m for m in installed_outbox(installed, workdir, config)
             if m["Auto-Submitted"] == "auto-replied"]
    assert ack["Subject"].startswith("Our own words [")


def installed_outbox(installed: Installed, workdir: Path, config: Path) -> list[EmailMessage]:
    sent = installed.run(workdir, "-c", str(config), "send", "--once")
    assert sent.returncode == 0, sent.stderr.decode()
    return maildir(workdir / "etc" / "var" / "outbox")


def maildir(path: Path) -> list[EmailMessage]:
    files = sorted((path / "new").iterdir())
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]


def test_deliver_status_report_and_run_from_outside_the_checkout(installed: Installed,
                                                                  workdir: Path) -> None:
    config = init(installed, workdir)
    assert "templates:" not in config.read_text().replace("# templates:", "")
    piped = mail(subject="Piped in").as_bytes()
    delivered = installed.run(workdir, "-c", str(config), "deliver", input=piped)
    assert (delivered.returncode, delivered.stdout) == (0, b"opened\n"), delivered.stderr.decode()

    stopped = installed.run(workdir, "-c", str(config), "status", "--json")
    assert stopped.returncode == 3, stopped.stderr.decode()  # not running: the monitoring answer
    assert json.loads(stopped.stdout)["tickets"] == {"new": 1}
    report = installed.run(workdir, "-c", str(config), "report", "--format", "json")
    assert report.returncode == 0, report.stderr.decode()
    json.loads(report.stdout)

    with Running(installed, workdir, config) as port:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            message = mail(subject="Over SMTP")
            client.send_message(message, "dana@bath.example.ac.uk", ["helpdesk@example.com"])
        ack = wait_for_acknowledgement(workdir / "etc" / "var" / "outbox", message["Message-ID"])
        assert installed.run(workdir, "-c", str(config), "status").returncode == 0
    assert "[#2]" in ack["Subject"]
    assert ack["To"].addresses[0].addr_spec == "dana@bath.example.ac.uk"
    tickets = json.loads(installed.run(workdir, "-c", str(config), "tickets", "--json").stdout)
    assert [t["subject"] for t in tickets] == ["Piped in", "Over SMTP"]


def listen_port(config: Path) -> int:
    lines = config.read_text().splitlines()
    [line] = [line for line in lines if line.strip().startswith("listen:")]
    return int(line.split('"')[1].rsplit(":", 1)[1])


class Running:
    """`maild run` from the venv; on leaving, SIGTERM and an exit of 0."""

    def __init__(self, installed: Installed, workdir: Path, config: Path) -> None:
        self.command = [installed.maild, "-c", str(config), "run"]
        self.workdir, self.port = workdir, listen_port(config)
        self.log = workdir / "run.log"

    def __enter__(self) -> int:
        self.process = subprocess.Popen(self.command, cwd=self.workdir, env=clean_env(),
                                        stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"))
        deadline = time.monotonic() + 30
        while not self._listening():
            assert self.process.poll() is None, f"maild run exited: {self.log.read_text()}"
            assert time.monotonic() < deadline, f"maild run never listened: {self.log.read_text()}"
            time.sleep(0.1)
        return self.port

    def _listening(self) -> bool:
        try:
            with smtplib.SMTP("127.0.0.1", self.port, timeout=1):
                return True
        except OSError:
            return False

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        assert code == 0, self.log.read_text()


def wait_for_acknowledgement(outbox: Path, message_id: str, timeout: float = 30) -> EmailMessage:
    """The automatic answer to `message_id`, once the daemon's sender has written it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (outbox / "new").is_dir():
            for message in maildir(outbox):
                automatic = message["Auto-Submitted"] == "auto-replied"
                if automatic and message["In-Reply-To"] == message_id:
                    return message
        time.sleep(0.2)
    raise AssertionError(f"no acknowledgement of {message_id} in {outbox} within {timeout}s")

"""Ingest benchmark: how fast mail becomes tickets and acknowledgements on the embedded default.

    .venv/bin/python bench/ingest.py [N]

Generates N mixed helpdesk mails (new tickets from contacts and strangers, replies by subject tag,
HTML mail, attachments, non-ASCII, auto-replies) and measures, on a fresh SQLite database:
1. intake in-process (raw store + pipeline, one durable transaction each), msgs/s;
2. the same mails over SMTP to a running `maild run`, one connection, msgs/s (250 after commit);
3. the sender draining the acknowledgements into the local Maildir, msgs/s.
"""

from __future__ import annotations

import random
import resource
import smtplib
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import MAILD, MaildSetup, free_port, wait_for_port, write_config  # noqa: E402

from maild.config import load_config  # noqa: E402
from maild.intake import Arrival, Intake  # noqa: E402
from maild.outbound.sender import OutboxSender  # noqa: E402
from maild.outbound.transports import transport_for  # noqa: E402
from maild.runtime import Runtime, Settings  # noqa: E402
from maild.store.db import open_store  # noqa: E402
from maild.store.migrations import migrate  # noqa: E402


def generate(n: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    mails = []
    for i in range(n):
        m = EmailMessage()
        kind = rng.random()
        m["From"] = (f"User {i} <user{i}@bath.example.ac.uk>" if kind < 0.6
                     else f"stranger{i}@example.org")
        m["To"] = "helpdesk@example.com"
        m["Message-ID"] = f"<bench-{i}@example.org>"
        m["Subject"] = (f"Problem {i}: placement dates wrong \u2013 caf\u00e9" if kind < 0.8
                        else f"Re: [#{max(1, i // 2)}] Problem")
        if 0.8 <= kind < 0.85:
            m["Auto-Submitted"] = "auto-replied"
        body = (f"Hello,\n\nSomething is wrong with placement {i}.\n"
                + "Details of the problem.\n" * rng.randint(2, 40))
        m.set_content(body)
        if kind < 0.2:
            m.add_alternative(f"<p>{body}</p>", subtype="html")
        elif kind < 0.3:
            m.add_attachment(rng.randbytes(2000), maintype="application", subtype="pdf",
                             filename="report.pdf")
        mails.append(m.as_bytes(policy=SMTP))  # CRLF line ends, as on the wire
    return mails


def bench_in_process(directory: Path, mails: list[bytes]) -> float:
    settings = Settings.build(load_config(write_config(directory, relay_port=None, smtp_port=2525)))
    open_store(settings.config.database)
    migrate()
    intake = Intake(Runtime(settings))
    start = time.perf_counter()
    for i, content in enumerate(mails):
        intake.accept(Arrival(content, "bench", f"bench:{i}", ["helpdesk@example.com"],
                              "user@example.org"))
    elapsed = time.perf_counter() - start
    start_send = time.perf_counter()
    report = OutboxSender(lambda: transport_for(settings.config),
                          settings.config.main.outbound.retry).send_due(10**6)
    send_elapsed = time.perf_counter() - start_send
    print(f"sender to Maildir:      {report.sent / send_elapsed:8.0f} msgs/s "
          f"({report.sent} mails: acknowledgements and staff notifications)")
    return len(mails) / elapsed


def bench_smtp(directory: Path, mails: list[bytes]) -> float:
    port = free_port()
    setup = MaildSetup(directory, write_config(directory, relay_port=None, smtp_port=port), port)
    process = subprocess.Popen([*MAILD, "-c", str(setup.config), "run"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        wait_for_port(port, process)
        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as client:
            for content in mails:
                client.sendmail("user@example.org", ["helpdesk@example.com"], content)
        return len(mails) / (time.perf_counter() - start)
    finally:
        process.terminate()
        process.wait(30)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    mails = generate(n)
    print(f"{n} mails, {sum(map(len, mails)) / n / 1024:.1f} kB average")
    with tempfile.TemporaryDirectory() as tmp:
        rate = bench_in_process(Path(tmp) / "inproc", mails)
        print(f"intake in-process:      {rate:8.0f} msgs/s")
        print(f"intake over SMTP:       {bench_smtp(Path(tmp) / 'smtp', mails):8.0f} msgs/s")
    print("peak RSS (this process): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

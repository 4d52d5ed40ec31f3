"""Scale-out benchmark: ingest throughput with 1, 2 and 3 maild hosts on one PostgreSQL database
and one IMAP mailbox, and 1 host on SQLite, for the same N mixed mails.

    .venv/bin/python bench/scale.py [N] [--postgres URL]

For each setup: a fresh database and an empty mailbox; a first wave of N/10 new requests is
ingested (untimed) so that the measured mail can answer it; then N mails are appended (new
requests from contacts and strangers, plain, HTML, attachments, non-ASCII; replies to first-wave
tickets by References; auto-replies), and H `maild fetch --once` processes are started at once
against the mailbox. Timed from their start until the last one exits (everything committed and
moved). Each line prints msgs/s, whether every count is exact (tickets, replies threaded,
auto-replies ignored, one acknowledgement queued per ticket), how the mails were shared between
the hosts, and the CPU use of the whole machine (maild, PostgreSQL and Dovecot together) while
it ran: on 2 cores, more hosts cannot go faster once that is near 100%.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

import databases  # noqa: E402
from conftest import MAILD, free_port, write_config  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from mails import follow_up, out_of_office, varied  # noqa: E402


def workload(n: int) -> tuple[list[bytes], list[bytes], dict[str, int]]:
    """(first wave, measured mails, expected counts after both)."""
    rng = random.Random(17)
    first = varied(max(1, n // 10), seed=3, prefix="wave1")
    replies, auto = int(n * 0.2), int(n * 0.05)
    new = n - replies - auto
    measured = varied(new, seed=4, prefix="wave2") + [follow_up(rng.choice(
        first), i, 'bench-reply') for i in range(replies)]
    measured += [out_of_office(i, 'bench-ooo') for i in range(auto)]
    rng.shuffle(measured)
    tickets = len(first) + new
    return first, measured, {"tickets": tickets, "replies": replies, "ignored": auto,
                             "acks": tickets}


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def counts(config: Path) -> dict[str, int]:
    q = lambda sql: databases.query(config, sql)[0][0]  # noqa: E731
    tickets = q("select count(*) from ticket")
    return {"tickets": tickets, "replies": q(
        "select count(*) from message where direction = 'in'") - tickets,
            "ignored": q("select count(*) from rawmail where status = 'ignored'"),
            "acks": q("select count(*) from outbox where purpose = 'acknowledgement'")}


def fetch(configs: list[Path]) -> tuple[float, float, list[str]]:
    """Run one `maild fetch --once` per host at once:
    (seconds, machine CPU %, per-host summaries)."""
    busy0, total0 = cpu_ticks()
    start = time.perf_counter()
    # Output into files, not pipes: a host whose log fills an unread pipe would stall on it.
    logs = [(c.parent / "fetch.out", c.parent / "fetch.log") for c in configs]
    runs = [subprocess.Popen([*MAILD, "-c", str(c), "fetch", "--once"], stdout=open(out, "wb"),
                             stderr=open(err, "wb"), stdin=subprocess.DEVNULL) for c, (
                                 out, err) in zip(configs, logs)]
    for p in runs:
        p.wait(timeout=3600)
    seconds = time.perf_counter() - start
    busy1, total1 = cpu_ticks()
    for p, (_, err) in zip(runs, logs):
        if p.returncode != 0:
            raise SystemExit(f"fetch failed: {err.read_text()[-2000:]}")
    return seconds, 100 * (busy1 - busy0) / max(1, total1 - total0), [out.read_text().strip(
        ) for out, _ in logs]


def run_setup(name: str, hosts: int, url: str | None, dovecot: Dovecot, work: Path,
              first: list[bytes], measured: list[bytes], expected: dict[str, int]) -> None:
    for folder in ("INBOX", "Processed", "Quarantine"):
        subprocess.run(["doveadm", "-c", str(dovecot.conf), "expunge", "-u", "helpdesk@example.com",
                        "mailbox",
                        folder, "all"], capture_output=True)
    database = url or "sqlite:///../var/maild.db"
    configs = [write_config(work / f"{name}-{hosts}-host{i}", relay_port=None, smtp_port=free_port(
        ),
                            imap_port=dovecot.port, database=database) for i in range(hosts)]
    dovecot.append(first)
    fetch(configs[:1])
    dovecot.append(measured)
    seconds, cpu, summaries = fetch(configs)
    got = counts(configs[0])
    exact = ("exact" if got == expected and dovecot.count("INBOX") == 0
             else f"WRONG {got} != {expected}")
    shares = " / ".join(s.split(":", 1)[1].split(" fetched")[0].strip() for s in summaries)
    print(f"{name:<18} {hosts:>5} {len(measured) / seconds:9.0f} {cpu:8.0f}%   {exact}; "
          f"fetched per host: {shares}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=5000)
    parser.add_argument("--postgres", default=os.environ.get("MAILD_TEST_POSTGRES",
                                                             databases.DEFAULT_POSTGRES),
                        help="a PostgreSQL URL of a user who may create databases")
    args = parser.parse_args()
    os.environ["MAILD_TEST_POSTGRES"] = args.postgres
    first, measured, expected = workload(args.n)
    print(f"N={args.n} measured mails after a first wave of {len(first)}; {os.cpu_count()} CPUs")
    print(f"{'setup':<18} {'hosts':>5} {'msgs/s':>9} {'CPU':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        dovecot = Dovecot(Path(tmp) / "dovecot")
        dovecot.start()
        try:
            run_setup("sqlite", 1, None, dovecot, Path(tmp), first, measured, expected)
            for hosts in (1, 2, 3):
                run_setup("postgresql", hosts, databases.postgres_database(), dovecot, Path(tmp),
                          first, measured,
                          expected)
        finally:
            dovecot.stop()
            databases.drop_created()


if __name__ == "__main__":
    main()

"""IMAP benchmark on a private Dovecot:

    .venv/bin/python bench/imap.py [N] [--rss-n N2] [--latency K] [--rounds R]

1. the floor: imapclient fetch (BODY.PEEK[], batches of 100) + mail-parser + one SQLite insert
   per mail (its own transaction, WAL, synchronous=FULL), no maild logic; measured before and
   after 2 (over the same mails: in the INBOX, then in the processed folder) and the ratio taken
   to their mean, since this shared VM's speed drifts by a fifth within minutes; with --rounds R,
   floor-maild-floor R times over, each round's ratio printed and the median round reported;
2. `maild fetch --once` on the same mailbox, then `maild send --once` to a local SMTP sink, with
   every count checked (tickets opened, replies threaded, auto-replies ignored, one ack per ticket);
3. mail-to-acknowledgement latency with `maild run` in IDLE: append one mail, time until its
   acknowledgement reaches the sink, K times; p50 and p99;
4. peak RSS of `maild fetch --once` at N and at the larger --rss-n: its own (VmHWM), and with
   any child process it starts added;
5. the CPU time every process on the machine (maild, Dovecot) spent per mail in 1
   and 2, from /proc/stat, and so the most msgs/s this machine's cores allow for that work.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

import mailparser  # noqa: E402
from conftest import (MAILD, MaildSetup, SmtpSink, free_port,  # noqa: E402
                      wait_for_port, write_config)
from dovecot import Dovecot  # noqa: E402
from mailgen import helpdesk_mix  # noqa: E402



def busy_seconds() -> float:
    """CPU seconds the whole machine has spent on its own work, all cores: user, nice, system, irq
    and softirq (/proc/stat); not idle, I/O wait, time stolen by the hypervisor, or guests (which
    user and nice already count)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def floor(dovecot: Dovecot, directory: Path, folder: str = "INBOX") -> tuple[float, float]:
    """(msgs/s, busy CPU seconds per mail) over the mails in `folder`"""
    db = sqlite3.connect(directory / f"floor-{folder}.db", isolation_level=None)
    db.execute("pragma journal_mode=wal")
    db.execute("pragma synchronous=full")
    db.execute("create table mail (uid integer, subject text, sender text, body text, raw blob)")
    start, busy = time.perf_counter(), busy_seconds()
    with dovecot.client() as client:
        client.select_folder(folder)
        uids = sorted(client.search("ALL"))
        for i in range(0, len(uids), 100):
            for uid, data in client.fetch(uids[i:i + 100], [b"BODY.PEEK[]"]).items():
                parsed = mailparser.parse_from_bytes(data[b"BODY[]"])
                db.execute("begin")
                db.execute("insert into mail values (?, ?, ?, ?, ?)",
                           (uid, parsed.subject, str(parsed.from_), "\n".join(parsed.text_plain),
                            data[b"BODY[]"]))
                db.execute("commit")
    return len(uids) / (time.perf_counter() - start), (busy_seconds() - busy) / len(uids)


def maild_setup(directory: Path, dovecot: Dovecot, sink: SmtpSink) -> MaildSetup:
    port = free_port()
    return MaildSetup(directory, write_config(directory, relay_port=sink.port, smtp_port=port,
                                              imap_port=dovecot.port), port)


def timed_fetch(setup: MaildSetup) -> tuple[float, float, float, float]:
    """(seconds, peak RSS in MB, peak RSS of it and its children together, busy CPU seconds of the
    machine meanwhile) of one `maild fetch --once` in its own process, sampled every 0.1 s from
    /proc. Its own peak is its VmHWM, not wait4's ru_maxrss: Linux carries the forking process's
    high-water mark over the exec into that figure, so it showed this bench's own size (88-113 MB)
    whenever the bench was larger."""
    start, busy = time.perf_counter(), busy_seconds()
    own = together = 0
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen([*MAILD, "-c", str(setup.config), "fetch", "--once"],
                                   stdout=subprocess.DEVNULL,
                                   stderr=err, stdin=subprocess.DEVNULL, preexec_fn=os.setsid)
        while process.poll() is None:
            own = max(own, _status_kb(process.pid, "VmHWM:"))
            together = max(together, rss_with_children(process.pid))
            time.sleep(0.1)
        elapsed, busy = time.perf_counter() - start, busy_seconds() - busy
        if process.returncode != 0:
            err.seek(0)
            raise SystemExit(f"fetch failed: {err.read().decode()[-2000:]}")
    return elapsed, own / 1024, together / 1024, busy


def rss_with_children(pid: int) -> int:
    """kB resident of a process and its children, 0 when it is gone."""
    try:
        children = [int(c) for task in Path(f"/proc/{pid}/task").iterdir()
                    for c in (task / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return sum(_status_kb(p, "VmRSS:") for p in [pid, *children])


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def check_counts(setup: MaildSetup, sink: SmtpSink, expected, n: int) -> None:  # noqa: ANN001
    with sqlite3.connect(setup.dir / "var" / "maild.db") as db:
        opened = db.execute("select count(*) from ticket").fetchone()[0]
        replied = db.execute("select count(*) from message where direction='in'").fetchone()[
            0] - opened
        ignored = db.execute("select count(*) from rawmail where status='ignored'").fetchone()[0]
    # null return path: staff notifications left out
    acks = len(sink.replies(expected.opened, timeout=60))
    got = (opened, replied, ignored, acks)
    want = (expected.opened, expected.replied, expected.ignored, expected.opened)
    status = "exact" if got == want else f"WRONG, expected {want}"
    print(f"  counts for {n}: {opened} tickets, {replied} replies threaded, "
          f"{ignored} auto-replies ignored, {acks} acknowledgements: {status}")


def run_maild(n: int, dovecot: Dovecot, directory: Path) -> tuple[float, tuple[float, float], float,
                                                                  float]:
    """(msgs/s, peak RSS alone and with its children, send msgs/s, busy CPU seconds per mail)"""
    mails, expected = helpdesk_mix(n)
    sink = SmtpSink(free_port())
    sink.start()
    try:
        dovecot.append(mails)
        setup = maild_setup(directory, dovecot, sink)
        seconds, rss, together, busy = timed_fetch(setup)
        start = time.perf_counter()
        subprocess.run([*MAILD, "-c", str(setup.config), "send", "--once"], check=True,
                       capture_output=True)
        send_seconds = time.perf_counter() - start
        check_counts(setup, sink, expected, n)
        # acks and notifications
        return n / seconds, (rss, together), len(sink.received) / send_seconds, busy / n
    finally:
        sink.stop()


def idle_latency(dovecot: Dovecot, directory: Path, k: int) -> list[float]:
    sink = SmtpSink(free_port())
    sink.start()
    setup = maild_setup(directory, dovecot, sink)
    process = subprocess.Popen([*MAILD, "-c", str(setup.config), "run"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    latencies = []
    try:
        wait_for_port(setup.smtp_port, process)
        time.sleep(1.0)
        mails, _ = helpdesk_mix(k * 2, seed=99)
        new_requests = [m for m in mails if b"Re: [#" not in m and b"Auto-Submitted" not in m][:k]
        with dovecot.client() as client:
            for i, content in enumerate(new_requests):
                start = time.perf_counter()
                client.append("INBOX", content)
                sink.replies(i + 1, timeout=10)
                latencies.append(time.perf_counter() - start)
    finally:
        process.terminate()
        process.wait(30)
        sink.stop()
    return latencies


def compile_maild() -> None:
    """An installed maild has its bytecode (pip compiles what it installs). This checkout may
    not, and where PYTHONDONTWRITEBYTECODE is set (it is on these machines) every `maild`
    would compile its modules again as it starts: about 0.1 s of the measured run."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "maild")],
                   check=True)


@dataclass
class Round:
    floor_before: float
    floor_after: float
    floor_cpu: float  # busy CPU seconds a mail, before
    rate: float
    rss: tuple[float, float]
    send_rate: float
    cpu: float

    @property
    def floor(self) -> float:
        return (self.floor_before + self.floor_after) / 2

    @property
    def ratio(self) -> float:
        return self.rate / self.floor


def one_round(n: int, dovecot: Dovecot, directory: Path) -> Round:
    """The floor over N mails in the INBOX, maild over the same mails, the floor again over them
    in the processed folder; the folders left empty."""
    mails, _ = helpdesk_mix(n)
    directory.mkdir()
    dovecot.append(mails)
    before, floor_cpu = floor(dovecot, directory)
    expunge(dovecot, "INBOX")
    rate, rss, send_rate, cpu = run_maild(n, dovecot, directory / "maild")
    after, _ = floor(dovecot, directory, "Processed")
    expunge(dovecot, "Processed")
    return Round(before, after, floor_cpu, rate, rss, send_rate, cpu)


def expunge(dovecot: Dovecot, folder: str) -> None:
    subprocess.run(["doveadm", "-c", str(dovecot.conf), "expunge", "-u", "helpdesk@example.com",
                    "mailbox", folder, "all"], check=True)


def report(n: int, rounds: list[Round]) -> None:
    for i, r in enumerate(rounds if len(rounds) > 1 else [], 1):
        print(f"  round {i}: floor {r.floor:.0f} msgs/s "
              f"({r.floor_before:.0f} before, {r.floor_after:.0f} after), "
              f"maild {r.rate:.0f} msgs/s: {100 * r.ratio:.0f}%")
    # the median round (the upper one of two)
    r = sorted(rounds, key=lambda r: r.ratio)[len(rounds) // 2]
    which = f" (the median of {len(rounds)} rounds)" if len(rounds) > 1 else ""
    print(f"1. floor (fetch+parse+insert): {r.floor:7.0f} msgs/s  (before 2: {r.floor_before:.0f}; "
          f"after: {r.floor_after:.0f}){which}")
    print(
        f"2. maild fetch --once:         {r.rate:7.0f} msgs/s  ({100 * r.ratio:.0f}% of the floor)")
    print(f"   maild send --once to sink:  {r.send_rate:7.0f} msgs/s")
    print(f"   peak RSS of fetch, N={n}: {r.rss[0]:.0f} MB; with its children {r.rss[1]:.0f} MB")
    cores = os.cpu_count() or 1
    print(f"   CPU per mail, all processes (maild, Dovecot): floor {r.floor_cpu * 1000:.2f} ms, "
          f"maild {r.cpu * 1000:.2f} ms; "
          f"{cores} cores allow maild at most {cores / r.cpu:.0f} msgs/s "
          f"({100 * cores / r.cpu / r.floor:.0f}% of the floor)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("--rss-n", type=int, default=0,
                        help="also measure peak RSS at this larger N")
    parser.add_argument("--latency", type=int, default=100,
                        help="mails for the IDLE latency (0: skip)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="floor and maild this many times over, and the median ratio "
                             "(the VM's speed drifts)")
    args = parser.parse_args()
    compile_maild()
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        dovecot = Dovecot(Path(tmp) / "dovecot")
        dovecot.start()
        try:
            mails, _ = helpdesk_mix(args.n)
            print(f"N={args.n} mixed mails, "
                  f"{sum(map(len, mails)) / len(mails) / 1024:.1f} kB average; "
                  f"{os.cpu_count()} cores")
            rounds = [one_round(args.n, dovecot, Path(tmp) / f"round-{i}") for i in range(
                args.rounds)]
            report(args.n, rounds)
            if args.rss_n:
                rate_big, rss_big, _, _ = run_maild(args.rss_n, dovecot, Path(
                    tmp) / f"maild-{args.rss_n}")
                print(f"   N={args.rss_n}: {rate_big:.0f} msgs/s, peak RSS {rss_big[0]:.0f} MB; "
                      f"with its children {rss_big[1]:.0f} MB")
            if args.latency:
                lat = sorted(idle_latency(dovecot, Path(tmp) / "maild-idle", args.latency))
                p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
                print(f"3. IDLE mail-to-ack latency over {len(lat)}: "
                      f"p50 {statistics.median(lat) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
        finally:
            dovecot.stop()


if __name__ == "__main__":
    main()

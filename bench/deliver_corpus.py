"""Every mail of a few corpora through `maild deliver`: how many became tickets, replies, ignored or
quarantined mail, and any that crashed (an exit other than 0) or were left half-done.

    .venv/bin/python bench/deliver_corpus.py [FOLDER...]

Default folders: the standard library's own email test data (`test/test_email/data`, where
installed), tests/data/replies, tests/data/replies-holdout, tests/data/routing and
tests/data/hostile.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import MAILD, write_config  # noqa: E402


def default_folders() -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    ours = [ROOT / "tests" / "data" / name for name in ("replies", "replies-holdout", "routing",
                                                        "hostile")]
    return [f for f in (stdlib, *ours) if f.is_dir()]


def mails(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (
        ".eml", ".txt") and not p.name.endswith(".expected.txt"))


def main() -> int:
    folders = [Path(a) for a in sys.argv[1:]] or default_folders()
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp), relay_port=None, smtp_port=2525)
        crashed = 0
        for folder in folders:
            outcomes: Counter[str] = Counter()
            for path in mails(folder):
                result = subprocess.run([*MAILD, "-c", str(config), "deliver", str(path)],
                                        capture_output=True)
                outcome = result.stdout.decode().strip(
                    ) if result.returncode == 0 else f"exit {result.returncode}"
                outcomes[outcome] += 1
                if result.returncode != 0:
                    crashed += 1
                    print(f"  {path.name}: {outcome}: {result.stderr.decode()[-300:]}")
            print(f"{folder}: {sum(outcomes.values())} mails: " + ", ".join(
                f"{n} {o}" for o, n in outcomes.most_common()))
        with sqlite3.connect(Path(tmp) / "var" / "maild.db") as db:
            left = db.execute("select count(*) from rawmail where status = 'received'").fetchone()[
                0]
        print(f"crashed: {crashed}; left half-done: {left}")
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())

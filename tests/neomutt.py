"""NeoMutt in batch mode, as a staff member's mail client: `neomutt -H draft [-a file]`, sending
through SMTP (into `maild run`'s listener)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

MUTTRC = """\
set smtp_url="smtp://127.0.0.1:{port}"
set from="{sender}"
set use_from=yes
set record=""
set ssl_starttls=no
set ssl_force_tls=no
set hostname="example.com"
set charset="utf-8"
set send_charset="utf-8"
set resume_draft_files=yes
"""
# resume_draft_files: `-H` then reads the draft's body too, as NeoMutt's own postponed mail; without
# it, batch mode (stdin not a terminal) takes the body from stdin and refuses an empty one.


def neomutt() -> str:
    """The neomutt binary; a clear failure when it is missing (scripts/test installs it)."""
    found = shutil.which("neomutt")
    assert found, "neomutt is not installed: run scripts/test (it installs the neomutt package)"
    return found


def send(home: Path, port: int, draft: str, attachments: tuple[Path, ...] = (),
         sender: str = "Alice Engineer <alice@example.com>") -> None:
    """Send `draft` (headers, blank line, body) as NeoMutt does, to the SMTP listener on `port`."""
    home.mkdir(parents=True, exist_ok=True)
    rc = home / "muttrc"
    rc.write_text(MUTTRC.format(port=port, sender=sender))
    path = home / f"draft-{len(list(home.glob('draft-*')))}"
    path.write_text(draft)
    extra = [arg for file in attachments for arg in ("-a", str(file))]
    result = subprocess.run([neomutt(), "-n", "-F", str(rc), "-H", str(path), *extra],
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                            env={"HOME": str(home), "PATH": "/usr/bin:/bin", "TERM": "dumb"})
    output = (result.stdout + result.stderr).decode()
    assert result.returncode == 0, f"neomutt failed: {output}"

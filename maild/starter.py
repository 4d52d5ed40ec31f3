"""`maild init DIR`: a starter configuration written from the example shipped in the package.

The three files are the example's, with every path made local to DIR: SQLite and the state
folder in DIR/var, outgoing mail into DIR/var/outbox, inbound SMTP on loopback as in the example.
The templates stay the packaged ones unless a copy into DIR/templates is asked for.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from ruamel.yaml import YAML

from maild import defaults
from maild.errors import MaildError

CONFIG_FILES = ("maild.yaml", "routing.yaml", "accounts.yaml")
STATE_DIR = "var"


class StarterExists(MaildError):
    """`maild init` would overwrite a file the admin may have edited; nothing was written."""


def write_starter(directory: Path, copy_templates: bool) -> list[Path]:
    """Write the starter files into `directory`; returns what was written, refuses to overwrite."""
    written = [directory / name for name in CONFIG_FILES]
    if copy_templates:
        written.append(directory / "templates")
    existing = [str(path) for path in written if path.exists()]
    if existing:
        raise StarterExists(f"not overwriting {', '.join(existing)}; nothing written")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "maild.yaml").write_text(starter_main(copy_templates), encoding="utf-8")
    for name in CONFIG_FILES[1:]:
        shutil.copyfile(defaults.EXAMPLE_CONFIG_DIR / name, directory / name)
    if copy_templates:
        shutil.copytree(defaults.TEMPLATES_DIR, directory / "templates")
    return written


def starter_main(copy_templates: bool) -> str:
    """The example's maild.yaml, its comments kept, with the paths pointing into its own folder."""
    yaml = YAML(typ="rt")
    yaml.width = 4096  # keep the example's long lines as they are
    yaml.preserve_quotes = True
    doc = yaml.load((defaults.EXAMPLE_CONFIG_DIR / "maild.yaml").read_text(encoding="utf-8"))
    doc["state_dir"] = STATE_DIR
    doc["database"] = f"sqlite:///{STATE_DIR}/maild.db"
    doc["outbound"]["maildir"] = f"{STATE_DIR}/outbox"
    if copy_templates:
        doc.insert(list(doc).index("accounts") + 1, "templates", "templates")
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()

"""The manual holds together: its relative links lead somewhere; the README stays a first screen."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from conftest import MAILD, Daemon, SmtpSink
from maild.cli import parser as _parser
from maild.config import AccountsFile, MainFile, RoutingFile

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")])
# Pages other developers are writing on their own branches; a link to one counts until they land.
COMING = {"install.md", "mta.md", "credentials.md", "trust.md", "internals.md"}
README_MAX_LINES = 300

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def links(page: Path) -> list[str]:
    """The targets of the page's Markdown links, outside fenced code blocks."""
    return LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8")))


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for the page's headings: lower case, punctuation gone, spaces to hyphens."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    headings = re.findall(r"^#+\s+(.+?)\s*$", text, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target)


def broken_links(page: Path) -> list[str]:
    """Each relative link of the page to a missing file or heading, with why."""
    broken = []
    for target in filter(relative, links(page)):
        path, _, fragment = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            if file.parent != ROOT / "docs" or file.name not in COMING:
                broken.append(f"{target}: no such file")
            continue
        if fragment and file.suffix == ".md" and fragment not in anchors(file):
            broken.append(f"{target}: no heading #{fragment} in {file.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_page_and_heading(page: Path) -> None:
    assert not broken_links(page), f"{page.relative_to(ROOT)}: " + "; ".join(broken_links(page))


def test_the_check_sees_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Top: the page\n[ok](#top-the-page) [gone](missing.md) [bad](#nowhere) "
                    "[web](https://example.com/x.md)\n```\n[code](x.md)\n```\n")
    assert broken_links(page) == ["missing.md: no such file",
                                  "#nowhere: no heading #nowhere in page.md"]


def test_readme_is_a_first_screen_that_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    commands = re.findall(r"^    (scripts/\w+)$", text, re.MULTILINE)
    assert commands[:2] == ["scripts/run", "scripts/test"]


def config_keys(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Every key a config file may hold, dotted from the file's top."""
    for name, field in model.model_fields.items():
        key = field.alias or name
        yield prefix + key
        for sub in typing.get_args(field.annotation) + (field.annotation,):
            if isinstance(sub, type) and issubclass(sub, BaseModel):
                yield from config_keys(sub, f"{prefix}{key}.")
            for inner in typing.get_args(sub):  # list[Model], dict[..., Model]
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    yield from config_keys(inner, f"{prefix}{key}.")


def undocumented(keys: Iterator[str], docs: str) -> list[str]:
    """The keys whose last part appears in no code span of the docs."""
    spans = " ".join(re.findall(r"`([^`]+)`", docs))
    def mentioned(key: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(key.rpartition('.')[2])}\b", spans) is not None

    return sorted(k for k in set(keys) if not mentioned(k))


def test_every_config_key_is_documented() -> None:
    docs = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    keys = [k for model in (MainFile, RoutingFile, AccountsFile) for k in config_keys(model)]
    assert "inbound.imap.idle_renew_seconds" in keys and "rules.match.body_regex" in keys
    assert not undocumented(iter(keys), docs), undocumented(iter(keys), docs)


def test_the_key_check_sees_an_undocumented_key() -> None:
    class Made(BaseModel):
        documented_key: int = 0
        secret_knob: int = 0

    assert undocumented(config_keys(Made), "`documented_key` (`knob`)") == ["secret_knob"]


def command_words(parser: argparse.ArgumentParser) -> Iterator[str]:
    """Each command as `maild NAME`, and every long option, the top level's and each command's."""
    for action in parser._actions:
        yield from (o for o in action.option_strings if o.startswith("--") and o != "--help")
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                yield name
                yield from (f"{name} {o}" for o in command_words(command))


def test_every_command_and_flag_is_documented() -> None:
    pages = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    text = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    spans = " ".join(re.findall(r"`([^`]+)`", text))
    words = list(command_words(_parser()))
    assert "route --explain" in words and "--config" in words
    missing = [w for w in words if not re.search(rf"(?<![\w-]){re.escape(w.split()[-1])}\b", spans)]
    assert not missing, missing


def tour() -> str:
    """The README's quick tour: its indented commands, as one shell script."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## A quick tour"):text.index("Each acknowledgement carries")]
    return "\n".join(line[4:] for line in section.splitlines() if line.startswith("    "))


def maild(daemon: Daemon, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MAILD, "-c", str(daemon.setup.config), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_the_quick_tour_makes_tickets_and_acknowledges_its_mail(daemon: Daemon,
                                                                smtp_sink: SmtpSink) -> None:
    script = tour()
    snippet = re.search(r"<<'EOF'\n(.*?)\nEOF\n", script, re.DOTALL)
    assert snippet, "the tour's SMTP example is gone"
    assert 'm["Message-ID"]' in snippet[1]
    port = str(daemon.setup.smtp_port)
    sent = subprocess.run([sys.executable, "-"], input=snippet[1].replace("2525", port),
                          capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stderr
    deliver = re.search(r"maild (deliver .*)$", script, re.MULTILINE)
    assert deliver, "the tour's deliver example is gone"
    delivered = maild(daemon, *deliver[1].split())
    assert (delivered.returncode, delivered.stdout.strip()) == (0, "opened"), delivered.stderr
    tickets = json.loads(maild(daemon, "tickets", "--json").stdout)
    assert [(t["number"], t["kind"]) for t in tickets] == [(1, "incident"), (2, "escalation")]
    first = json.loads(maild(daemon, "ticket", "1", "--json").stdout)
    [mail] = [m for m in first["messages"] if m["direction"] == "in"]
    assert mail["message_id"].endswith("@bath.example.ac.uk>")
    acks = {r.message["In-Reply-To"]: r.message["Subject"] for r in smtp_sink.replies(2)}
    assert acks[mail["message_id"]] == "[#1] Placement report shows the wrong dates"
    explained = maild(daemon, "route", "--explain", "examples/new-ticket.eml")
    assert "new ticket: incident, priority 3" in explained.stdout, explained.stderr
    status = json.loads(maild(daemon, "status", "--json").stdout)
    assert not undocumented_json(tickets[0], first, *(first[k][0] for k in LISTED),
                                 status, status["outbox"], status["schedule"])


LISTED = ("participants", "messages", "history", "outbox")


def undocumented_json(*objects: dict[str, object]) -> list[str]:
    """The keys of `--json` objects that the operators' JSON section does not name."""
    text = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    section = text[text.index("### JSON output"):text.index("## Mail from IMAP")]
    return sorted({k for o in objects for k in o if not re.search(rf"\b{k}\b", section)})

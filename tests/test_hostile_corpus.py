"""tests/data/hostile: broken encodings and odd structure, each with its exact outcome: a ticket
with best-effort text (never a crash, never a quarantine for mere sloppiness), the raw bytes
kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import build_intake
from maild.intake import Arrival, Intake, Outcome
from maild.store.models import Attachment, Message, Participant, RawMail

CORPUS = Path(__file__).parent / "data" / "hostile"

# name -> (subject, the stored text, attachment names)
EXPECTED = {
    "bad-base64-body": ("Bad base64 body", "Hello world", []),
    "bad-quoted-printable": ("Bad quoted-printable", "Softbreak and =ZZ bad escape and \ufffd cut.",
                             []),
    "empty-body": ("(no subject)", "", []),
    "encoded-word-subject": ("R\u00e9sum\u00e9 du probl\u00e8me", "Encoded subject.", []),
    # script dropped, {{ }} stays text
    "html-script": ("HTML with script", "Hello team\n\n{{7*7}}", []),
    "invalid-utf8": ("Invalid UTF-8", "Broken \ufffd\ufffd bytes \ufffd( here.", []),
    # mislabelled: UTF-8 inside
    "ks-c-5601": ("Korean legacy charset", "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8", []),
    "missing-closing-boundary": ("Missing closing boundary",
                                 "The text before the end that never comes.", []),
    "no-content-type-8bit": ("Raw 8bit without MIME",
                             "Gr\ufffd\ufffde aus K\ufffdln, ohne Zeichensatzangabe.", []),
    "no-from": ("No sender", "Nobody sent this.", []),
    "nul-bytes": ("NUL bytes", "Beforeafter NUL.", []),
    "nul-in-headers": ("NUL in headers", "Names and file names with NUL.", ["report.txt",
                                                                            "log.bin"]),
    "rfc2231-filename": ("RFC 2231 file name", "See the attachment.", ["Pr\u00fcfung \u20ac.pdf"]),
    "unknown-charset": ("Unknown charset", "Hello from an unknown charset.", []),
    "uuencode": ("uuencoded attachment",
                 "The file follows.\r\n\r\nbegin 644 hello.txt\r\n%:&5L;&\\*\r\n`\r\nend", []),
}


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory) -> Intake:
    return build_intake(tmp_path_factory.mktemp("hostile"))


def test_every_corpus_file_has_an_expectation() -> None:
    assert sorted(p.stem for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_mail_becomes_a_ticket_with_best_effort_text(intake: Intake, name: str) -> None:
    content = (CORPUS / f"{name}.eml").read_bytes()
    assert intake.accept(Arrival(content, name, "hostile", ["helpdesk@example.com"],
                                 None)) is Outcome.OPENED
    raw = RawMail.get(RawMail.source == name)
    subject, text, attachments = EXPECTED[name]
    assert bytes(raw.content) == content
    assert raw.ticket.subject == subject
    message = Message.get(Message.raw == raw.id)
    assert message.text == text
    assert [a.filename for a in Attachment.select().where(
        Attachment.message == message)] == attachments


def test_nul_in_names_and_message_ids_is_never_stored(tmp_path: Path) -> None:
    """PostgreSQL refuses NUL in text: names (encoded or raw), Message-IDs and file names lose
    it."""
    # Its own store: in the module's, this mail is a copy of one seen.
    intake = build_intake(tmp_path)
    content = (CORPUS / "nul-in-headers.eml").read_bytes()
    intake.accept(Arrival(content, "nul-names", "names", ["helpdesk@example.com"], None))
    raw = RawMail.get(RawMail.source == "nul-names")
    ticket, message = raw.ticket, Message.get(Message.raw == raw.id)
    assert message.message_id == "<hostile-nul-headers@bath.example.ac.uk>"
    names = {p.email: p.name for p in Participant.select().where(Participant.ticket == ticket)}
    assert (ticket.requester_name, names) == ("Dana Admin", {
        "dana@bath.example.ac.uk": "Dana Admin", "pat@bath.example.ac.uk": "Pat Deputy",
        "kim@bath.example.ac.uk": "Kim Raw"})

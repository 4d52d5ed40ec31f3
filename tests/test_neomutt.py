"""A real mail client on the staff side: NeoMutt, in batch mode, answers a real notification by
SMTP into a running `maild run`; the customer (an aiosmtpd sink) gets what NeoMutt sent."""

from __future__ import annotations

import os
import shutil
import smtplib
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest

from conftest import Received, SmtpSink, running
from mails import mail

CUSTOMER = "dana@bath.example.ac.uk"
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + os.urandom(20_000)
       + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n")


@pytest.fixture
def neomutt() -> str:
    found = shutil.which("neomutt")
    assert found, "these tests need NeoMutt: apt-get install neomutt (scripts/test installs it)"
    return found


def client_files(home: Path, smtp_port: int) -> Path:
    """NeoMutt's config for Alice: send by SMTP into maild's listener, keep no copies."""
    home.mkdir(exist_ok=True)
    muttrc = home / "muttrc"
    muttrc.write_text(f"""set smtp_url = "smtp://127.0.0.1:{smtp_port}/"
set ssl_starttls = no
set ssl_force_tls = no
set from = "Alice Engineer <alice@example.com>"
set use_from = yes
set record = ""
set postpone = no
set folder = "{home}"
set spoolfile = ""
set charset = "utf-8"
set send_charset = "utf-8"
""")
    return muttrc


def answer_with_neomutt(program: str, home: Path, smtp_port: int, note: EmailMessage, body: str,
                        content_type: str = "text/plain", attach: Path | None = None) -> None:
    """Alice answers `note` as NeoMutt does in batch mode: headers from a draft, body on stdin."""
    muttrc = client_files(home, smtp_port)
    draft = home / "draft"
    draft.write_text(f"From: Alice Engineer <alice@example.com>\nTo: {note['Reply-To']}\n"
                     f"Subject: Re: {note['Subject']}\nIn-Reply-To: {note['Message-ID']}\n"
                     f"Content-Type: {content_type}; charset=utf-8\n\n")
    command = [program, "-n", "-F", str(muttrc), "-H", str(draft)]
    if attach is not None:
        command += ["-a", str(attach), "--"]
    result = subprocess.run(command, input=body.encode(), capture_output=True, timeout=60,
                            env={**os.environ, "HOME": str(home)})
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()


def opened_and_notified(setup_port: int, smtp_sink: SmtpSink) -> EmailMessage:
    with smtplib.SMTP("127.0.0.1", setup_port, timeout=30) as smtp:
        smtp.send_message(mail(), CUSTOMER, ["helpdesk@example.com"])
    [note] = smtp_sink.wait_to("alice@example.com", 1, timeout=30)
    return note.message


def answers_to_customer(smtp_sink: SmtpSink) -> list[Received]:
    """What the customer got from Alice (after the acknowledgement)."""
    found = smtp_sink.wait_to(CUSTOMER, 2, timeout=30)
    answers = [r for r in found if "Alice" in str(r.message["From"])]
    assert answers, [str(r.message["From"]) for r in smtp_sink.received]
    return answers


def test_a_pdf_attached_in_neomutt_reaches_the_customer(tmp_path: Path, smtp_sink: SmtpSink,
                                                          neomutt: str) -> None:
    pdf = tmp_path / "fix-instructions.pdf"
    pdf.write_bytes(PDF)
    with running(tmp_path / "maild", smtp_sink, "") as setup:
        note = opened_and_notified(setup.smtp_port, smtp_sink)
        text = "Dear Dana,\n\nthe attached PDF explains the fix.\n\nAlice\n"
        answer_with_neomutt(neomutt, tmp_path / "alice", setup.smtp_port, note, text, attach=pdf)
        [answer] = answers_to_customer(smtp_sink)
    [part] = list(answer.message.iter_attachments())
    assert part.get_filename() == "fix-instructions.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == PDF
    assert "the attached PDF explains the fix." in answer.message.get_body(("plain",)).get_content()


def test_an_html_answer_from_neomutt_arrives_as_alternative_without_the_script(
        tmp_path: Path, smtp_sink: SmtpSink, neomutt: str) -> None:
    with running(tmp_path / "maild", smtp_sink, "") as setup:
        note = opened_and_notified(setup.smtp_port, smtp_sink)
        html = ("<html><body><p>Dear Dana,</p><p>please <b>restart</b> the export.</p>"
                "<script>document.location='https://evil.example/'</script>"
                '<img src="https://tracker.example/open.gif"></body></html>\n')
        answer_with_neomutt(neomutt, tmp_path / "alice", setup.smtp_port, note, html, "text/html")
        [answer] = answers_to_customer(smtp_sink)
    message = answer.message
    assert message.get_content_type() == "multipart/alternative"
    shown = message.get_body(("html",)).get_content()
    assert "please <b>restart</b> the export." in shown
    assert "<script" not in shown and "evil.example" not in shown and "tracker.example" not in shown
    text = message.get_body(("plain",)).get_content()
    assert "please restart the export." in text and "<p>" not in text

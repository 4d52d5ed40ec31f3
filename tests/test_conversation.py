"""Conversations: signed reply addresses, staff answers and commands, hijack and forgery, reopening.

The whole pipeline runs over real SQLite; what maild would send is read back from the outbox.
"""

from __future__ import annotations

import base64
import hmac
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from conftest import build_intake, write_config
from helpers import CUSTOMER_MAIL, accept, body, open_ticket, sent, staff_reply
from maild.config import load_config
from maild.intake import Arrival, Intake, Outcome
from maild.pipeline.steps import STEPS
from maild.runtime.signing import CUSTOMER, ReplyAddresses, staff_role
from maild.runtime import Runtime, Settings
from maild.store.db import open_store
from maild.store.migrations import migrate
from maild.store.models import Event, Message, Outbox, Participant, Ticket
from maild.store.queries import ticket_detail
from mails import mail


# ---------------------------------------------------------------- signed addresses

def test_signed_address_names_ticket_and_role_and_cannot_be_moved() -> None:
    addresses = ReplyAddresses("helpdesk@example.com", lambda: b"a-test-secret-of-some-length")
    signed = addresses.make(1234, staff_role("alice"))
    assert signed.startswith("helpdesk+t1234.s-alice.") and signed.endswith("@example.com")
    read = addresses.read(signed.upper())  # some servers fold local parts
    assert read is not None and (read.valid, read.ticket, read.staff_key) == (True, 1234, "alice")
    mac = signed.split(".")[-2].split("@")[0]
    for forged in (signed.replace("t1234", "t1235"),       # moved to another ticket
                   signed.replace("s-alice", "s-carol"),   # given to someone else
                   f"helpdesk+t1234.c.{mac}@example.com",  # turned into the customer's
                   signed.replace(mac, mac[:-1] + ("a" if mac[-1] != "a" else "b"))):  # tampered
        assert addresses.read(forged) == addresses.read(forged) and not addresses.read(forged).valid
    assert addresses.read("helpdesk+t1.c.abc@example.com").valid is False  # our form, bad length
    assert addresses.read("other+t1234.c.aaaaaaaaaaaa@example.com") is None
    assert addresses.read("helpdesk@example.com") is None
    other_key = ReplyAddresses("helpdesk@example.com", lambda: b"another-secret-entirely")
    assert not other_key.read(signed).valid


@pytest.mark.parametrize("secret", [b"sixteen-chars-ok", b"k" * 64, b"k" * 65, bytes(range(100))],
                         ids=["16 bytes", "64 bytes", "65 bytes", "100 bytes"])
def test_addresses_and_message_ids_are_signed_as_the_standard_hmac_signs_them(
    secret: bytes) -> None:
    """Addresses already handed out (in customers' mailboxes, signed with hmac.digest and base32)
    keep verifying, whatever the key's length (over 64 bytes HMAC hashes it first)."""
    addresses = ReplyAddresses("helpdesk@example.com", lambda: secret)
    for ticket, role in ((1, CUSTOMER), (987654321, staff_role("alice")), ("message-id", "0" * 32)):
        mac = base64.b32encode(hmac.digest(secret, f"{ticket}:{role}".encode(), "sha256")).decode(
            ).lower()[:12]
        if isinstance(ticket, int):
            assert addresses.make(ticket, role) == f"helpdesk+t{ticket}.{role}.{mac}@example.com"
        else:
            assert addresses.is_ours(f"<maild.{role}.{mac}@example.com>")
            assert not addresses.is_ours(
                f"<maild.{role}.{mac[:-1]}{'b' if mac[-1] == 'a' else 'a'}@example.com>")


# Made by the hand-written HMAC and base32 this module had before it used hmac.digest and base64;
# customers and staff hold addresses like these in their mailboxes.
HANDED_OUT = [(b"a fixed test secret of 32 bytes!", "helpdesk+t1.c.zbfbbzukeh7d@example.com"),
              (b"a fixed test secret of 32 bytes!", "helpdesk+t1234.c.zofyunsus5qq@example.com"),
              (b"a fixed test secret of 32 bytes!",
               "helpdesk+t1234.s-alice.fli2lbnjqq37@example.com"),
              (b"a fixed test secret of 32 bytes!",
               "helpdesk+t987654321.s-bob_2.xvc4etloipkn@example.com"),
              (b"k" * 100, "helpdesk+t42.c.olxqqwfjiw24@example.com")]


@pytest.mark.parametrize(("secret", "address"), HANDED_OUT, ids=[a for _, a in HANDED_OUT])
def test_an_address_handed_out_before_still_verifies(secret: bytes, address: str) -> None:
    addresses = ReplyAddresses("helpdesk@example.com", lambda: secret)
    read = addresses.read(address)
    assert read is not None and read.valid
    assert addresses.make(read.ticket, read.role) == address


def test_a_message_id_written_before_is_still_ours() -> None:
    addresses = ReplyAddresses("helpdesk@example.com", lambda: b"a fixed test secret of 32 bytes!")
    assert addresses.is_ours("<maild.0123456789abcdef0123456789abcdef.oporhwes5vya@example.com>")
    assert not addresses.is_ours(
        "<maild.0123456789abcdef0123456789abcdef.oporhwes5vyb@example.com>")


def test_acknowledgement_and_notification_carry_signed_reply_addresses(intake: Intake) -> None:
    ticket, note = open_ticket(intake)
    [ack] = sent("acknowledgement")
    addresses = intake.runtime.settings.reply_addresses
    assert ack["Reply-To"] == addresses.make(ticket.number, CUSTOMER)
    assert note["Reply-To"] == addresses.make(ticket.number, staff_role("alice"))
    assert "The report is wrong since this morning." in body(note)
    erin = [n for n in sent("notification") if "erin@example.com" in n["To"]]
    assert erin and erin[0]["Reply-To"] == addresses.make(ticket.number, staff_role("erin"))


def test_key_file_is_made_once_private_and_reused(tmp_path: Path) -> None:
    first = build_intake(tmp_path).runtime.settings.reply_addresses.make(7, CUSTOMER)
    key = tmp_path / "var" / "reply.key"
    assert key.stat().st_mode & 0o777 == 0o600
    again = Settings.build(load_config(tmp_path / "config" / "maild.yaml")).reply_addresses.make(
        7, CUSTOMER)
    assert first == again


# ---------------------------------------------------------------- staff answers and commands

def test_staff_answer_goes_to_the_customer_threaded_from_the_helpdesk(intake: Intake) -> None:
    ticket, note = open_ticket(intake, Cc="Pat Deputy <pat@bath.example.ac.uk>")
    reply = staff_reply(note, "#priority 2\n\nHello Dana,\n\nwe have found the cause.\n\nAlice")
    assert accept(intake, reply, to=note["Reply-To"]) is Outcome.REPLIED

    ticket = Ticket.get()
    assert (ticket.priority, ticket.status) == (2, "open")
    assert ticket.first_response_at is not None
    [answer] = sent("answer")
    original = Message.get((Message.direction == "in") & (Message.ticket == ticket))
    assert answer["From"] == "Alice Engineer via Test Helpdesk <helpdesk@example.com>"
    assert answer["To"] == "Dana Admin <dana@bath.example.ac.uk>"
    assert answer["Cc"] == "Pat Deputy <pat@bath.example.ac.uk>"
    assert answer["Subject"] == f"[#{ticket.number}] Re: Placement report shows the wrong dates"
    assert answer["In-Reply-To"] == original.message_id
    assert answer["Reply-To"] == intake.runtime.settings.reply_addresses.make(ticket.number,
                                                                              CUSTOMER)
    assert "alice@example.com" not in answer.as_string()  # the staff address stays private
    text = body(answer)
    assert text.startswith("Hello Dana,\n\nwe have found the cause.\n\nAlice\n")
    assert "#priority" not in text and "wrote:" not in text and "Routing rule" not in text
    assert [e.kind for e in Event.select().where(Event.ticket == ticket).order_by(Event.id)][
        -2:] == \
        ["priority", "answered"]



def test_notifications_are_in_the_outbox_not_the_conversation_and_still_recognised(
    intake: Intake) -> None:
    """A notification is not one of the ticket's messages, yet Alice's client pasting it below her
    answer without `>` or an attribution still leaves only her answer; and its Message-ID still
    names the ticket (here for a mail in Alice's name without proof, which may not join it)."""
    ticket, note = open_ticket(intake)
    # the ack
    assert [m.direction for m in Message.select().where(Message.ticket == ticket)] == ["in", "out"]
    assert Outbox.select().where((Outbox.ticket == ticket) & (
        Outbox.purpose == "notification")).count() == 2
    shown = ticket_detail(ticket.number)
    assert shown is not None and [m["direction"] for m in shown["messages"]] == ["in", "out"]
    assert ["alice@example.com"] in [o["to"] for o in shown["outbox"] if o[
        "purpose"] == "notification"]
    pasted = mail(sender="Alice Engineer <alice@example.com>", to=note["Reply-To"],
                  subject="Re: " + note["Subject"],
                  body=f"#note\n\nChecked the logs, nothing odd.\n\n{body(note)}")
    assert accept(intake, pasted, to=note["Reply-To"]) is Outcome.REPLIED
    staff_note = Message.get((Message.direction == "note") & (Message.ticket == ticket))
    assert staff_note.text == "Checked the logs, nothing odd."

    unproven = mail(sender="Alice Engineer <alice@example.com>", subject="About that",
                    In_Reply_To=note["Message-ID"])
    assert accept(intake, unproven) is Outcome.OPENED
    opened = Event.select().where(Event.kind == "opened").order_by(Event.id.desc()).get()
    assert (f"threaded to ticket {ticket.number} by In-Reply-To/References; "
            f"ticket {ticket.number} not joined" in opened.detail)

def test_commands_move_the_service_target_clock(intake: Intake) -> None:
    ticket, note = open_ticket(intake)
    assert ticket.response_due_at is not None and "Respond by:" in body(note)
    accept(intake, staff_reply(note, "#priority 1\n#pending"), to=note["Reply-To"])
    raised = Ticket.get()
    # waiting on the customer: clock stopped
    assert raised.priority == 1 and raised.paused_since is not None
    # P1: 15 minutes, any hour
    assert raised.response_due_at - raised.sla_since == timedelta(minutes=15)


def test_meeting_command_logs_the_meeting_for_the_organisation(intake: Intake) -> None:
    from maild.store.models import Meeting
    _, note = open_ticket(intake)
    accept(intake, staff_reply(note,
                               "#meeting 2026-11-20 14:00\n#note monthly meeting held on site"),
           to=note["Reply-To"])
    [meeting] = Meeting.select()
    assert (meeting.organisation, meeting.logged_by) == ("uni-bath", "alice")
    # 14:00 in London in November is 14:00 UTC
    assert meeting.held_at == datetime(2026, 11, 20, 14, 0)


def test_commands_only_reply_sends_nothing_to_the_customer(intake: Intake) -> None:
    ticket, note = open_ticket(intake)
    accept(intake, staff_reply(note, "#assign erin\n#kind feature\n#pending"), to=note["Reply-To"])
    ticket = Ticket.get()
    assert (ticket.assignee, ticket.kind, ticket.status) == ("erin", "feature_request", "pending")
    assert sent("answer") == []
    assert [n["Subject"] for n in sent("notification") if "erin" in n["To"]][-1].startswith(
        f"[#{ticket.number}] Assigned to you")


def test_a_bad_command_applies_nothing_and_tells_the_sender(intake: Intake) -> None:
    ticket, note = open_ticket(intake)
    reply = staff_reply(note, "#priority 2\n#priority nine\n#frobnicate\nThe answer.")
    accept(intake, reply, to=note["Reply-To"])
    assert Ticket.get().priority == ticket.priority
    assert sent("answer") == []
    [errors] = sent("command_errors")
    assert errors["To"] == "Alice Engineer <alice@example.com>"
    text = body(errors)
    assert ("#priority nine: priority must be 1, 2, 3 or 4" in text
            and "#frobnicate: unknown command" in text)
    note_row = Message.get(Message.direction == "note")
    assert note_row.text.startswith("#priority 2\n#priority nine")


def test_staff_out_of_office_is_never_sent_to_the_customer(intake: Intake) -> None:
    _, note = open_ticket(intake)
    away = staff_reply(note, "I am away until Monday.", Auto_Submitted="auto-replied")
    assert accept(intake, away, to=note["Reply-To"]) is Outcome.REPLIED
    assert sent("answer") == [] and Ticket.get().first_response_at is None


def test_note_stays_internal(intake: Intake) -> None:
    _, note = open_ticket(intake)
    accept(intake, staff_reply(note, "#note called the customer\nThey will send logs."), to=note[
        "Reply-To"])
    assert sent("answer") == []
    [internal] = Message.select().where(Message.direction == "note")
    assert internal.text == "called the customer\n\nThey will send logs."


def test_cc_commands_change_who_hears_the_answer(tmp_path: Path) -> None:
    """`#cc add` widens the conversation: the signed address needs the trusted MX's DKIM pass."""
    intake = build_intake(tmp_path, extra="conversations: {trusted_authserv_id: mx.example.com}\n")
    _, note = open_ticket(intake, Cc="Pat Deputy <pat@bath.example.ac.uk>")
    commands = "#cc remove pat@bath.example.ac.uk\n#cc add sam@bath.example.ac.uk\n"
    reply = staff_reply(note, commands + "Hello.")
    intake.accept(Arrival((results("mx.example.com") + OUR_MX).encode() + reply.as_bytes(), "test",
                          "test",
                  [note["Reply-To"]], "alice@example.com"))
    [answer] = sent("answer")
    assert answer["Cc"] == "sam@bath.example.ac.uk"


def test_deactivated_contact_is_left_out_of_the_answers_cc(tmp_path: Path) -> None:
    """Pat left the university: the accounts file says `active: false`, and the answers stop."""
    config = write_config(tmp_path, relay_port=None, smtp_port=2525)
    accounts = config.parent / "accounts.yaml"
    pat = "{name: Pat Deputy, email: pat@bath.example.ac.uk, role: admin_manager, position: deputy,"
    assert pat in accounts.read_text()
    accounts.write_text(accounts.read_text().replace(pat, pat[:-1] + ", active: false,"))
    settings = Settings.build(load_config(config))
    open_store(settings.config.database)
    migrate()
    intake = Intake(Runtime(settings), STEPS)
    _, note = open_ticket(intake, Cc="Pat Deputy <pat@bath.example.ac.uk>, "
                                     "Sam Senior <sam@bath.example.ac.uk>")
    accept(intake, staff_reply(note, "Hello Dana,\n\nfixed."), to=note["Reply-To"])
    [answer] = sent("answer")
    assert answer["Cc"] == "Sam Senior <sam@bath.example.ac.uk>"
    assert "pat@bath.example.ac.uk" not in Outbox.get(Outbox.purpose == "answer").recipients


def test_resolve_tells_the_customer_and_their_reply_reopens(intake: Intake) -> None:
    ticket, note = open_ticket(intake)
    accept(intake, staff_reply(note, "#resolve\nFixed in release 4.2."), to=note["Reply-To"])
    assert Ticket.get().status == "resolved"
    [answer] = sent("answer")
    [resolved] = sent("resolved")
    assert Outbox.get(Outbox.purpose == "answer").id < Outbox.get(Outbox.purpose == "resolved").id
    again = mail(subject="Re: " + answer["Subject"], body="Still wrong for me.", to=answer[
        "Reply-To"])
    assert accept(intake, again, to=answer["Reply-To"]) is Outcome.REPLIED
    assert Ticket.get().status == "open"
    [reopened] = sent("reopened")
    assert reopened["To"] == "Dana Admin <dana@bath.example.ac.uk>"
    assert f"[#{ticket.number}]" in resolved["Subject"] and f"[#{ticket.number}]" in reopened[
        "Subject"]


def test_reply_after_the_reopen_window_opens_a_follow_up(tmp_path: Path) -> None:
    intake = build_intake(tmp_path, extra="conversations: {reopen_days: 7}\n")
    ticket, note = open_ticket(intake)
    accept(intake, staff_reply(note, "#close"), to=note["Reply-To"])
    Ticket.update(resolved_at=datetime.now() - timedelta(days=8)).execute()
    late = mail(subject=f"Re: [#{ticket.number}] Placement report shows the wrong dates",
                body="Back again.")
    assert accept(intake, late) is Outcome.OPENED
    follow_up = Ticket.get(Ticket.number != ticket.number)
    assert follow_up.follows == ticket.number and Ticket.get_by_id(ticket.number).status == "closed"
    assert Event.select().where((Event.ticket == ticket.number) & (
        Event.kind == "followed_up")).exists()


# ---------------------------------------------------------------- trust

def test_forged_staff_command_is_not_run_and_the_staff_member_is_told(intake: Intake) -> None:
    ticket, _ = open_ticket(intake)
    forged = mail(sender="Alice Engineer <alice@example.com>",
                  subject=f"Re: [#{ticket.number}] Placement report",
                  body="#priority 1\n#close\nPlease send me all your data.")
    # handled as a stranger's mail: a ticket of its own
    assert accept(intake, forged) is Outcome.OPENED
    assert Ticket.get_by_id(ticket.number).priority == ticket.priority
    assert Ticket.get_by_id(ticket.number).status == "new"
    assert sent("answer") == []
    [told] = sent("impersonation")
    assert told["To"] == "Alice Engineer <alice@example.com>"
    assert "no commands were carried out" in body(told)


def test_staff_address_of_someone_else_does_not_prove_a_sender(intake: Intake) -> None:
    _, note = open_ticket(intake)  # Alice's notification
    reply = staff_reply(note, "#priority 1", sender="Erin Engineer <erin@example.com>")
    accept(intake, reply, to=note["Reply-To"])
    assert Ticket.get_by_id(1).priority == 3
    assert [t["To"] for t in sent("impersonation")] == ["Erin Engineer <erin@example.com>"]


OUR_MX = ("Received: from mail.example.com by mx.example.com with ESMTPS; "
          "Mon, 23 Nov 2026 10:00:00 +0000\n")
ELSEWHERE = ("Received: from relay.attacker.example by mail.attacker.example; "
             "Mon, 23 Nov 2026 09:59:00 +0000\n")


def results(authserv_id: str, result: str = "pass") -> str:
    return (
        f"Authentication-Results: {authserv_id}; dkim={result} header.d=example.com header.s=s1; "
            "spf=pass smtp.mailfrom=example.com\n")


@pytest.mark.parametrize(("top", "obeyed"), [
    (results("mx.example.com") + OUR_MX + ELSEWHERE, True),          # our MX's own header, on top
    (results("mx.attacker.example") + OUR_MX + ELSEWHERE, False),    # someone else's server id
    # A forged header with our id, written before our MX saw the mail (below its Received header),
    # under our MX's real verdict and under none at all:
    (results("mx.example.com", "fail") + OUR_MX + results("mx.example.com") + ELSEWHERE, False),
    (OUR_MX + results("mx.example.com") + ELSEWHERE, False),
    # no Received: not through our MX
    (results("mx.example.com"), False),
], ids=["ours-on-top", "foreign-id", "forged-below-real", "forged-below-received", "no-received"])
def test_dkim_pass_from_the_trusted_server_proves_staff(tmp_path: Path, top: str,
                                                        obeyed: bool) -> None:
    intake = build_intake(tmp_path, extra="conversations: {trusted_authserv_id: mx.example.com}\n")
    obey_or_not(intake, top, obeyed)


DOVECOT_LMTP = ("Received: from mx.example.com by imap.example.com with LMTP; "
                "Mon, 23 Nov 2026 10:00:01 +0000\n")


@pytest.mark.parametrize(("top", "obeyed"), [
    # Delivered into the IMAP mailbox by Dovecot's LMTP, which adds its Received above the
    # MX's verdict:
    (DOVECOT_LMTP + results("mx.example.com") + OUR_MX + ELSEWHERE, True),
    # forged below the MX's Received
    (DOVECOT_LMTP + OUR_MX + results("mx.example.com") + ELSEWHERE, False),
    (results("mx.example.com"), False),
], ids=["ours-below-our-lmtp-hop", "forged-below-the-mx", "no-received"])
def test_trusted_hops_count_our_own_delivery_chain(tmp_path: Path, top: str, obeyed: bool) -> None:
    intake = build_intake(
        tmp_path, extra="conversations: {trusted_authserv_id: mx.example.com, trusted_hops: 1}\n")
    obey_or_not(intake, top, obeyed)


def obey_or_not(intake: Intake, top: str, obeyed: bool) -> None:
    ticket, _ = open_ticket(intake)
    command = mail(sender="Alice Engineer <alice@example.com>",
                   subject=f"Re: [#{ticket.number}] Placement report",
                   body="#priority 1")
    # headers added by servers go on top, as they do on the way
    raw = top.encode() + command.as_bytes()
    intake.accept(Arrival(raw, "test", "test", ["helpdesk@example.com"], "alice@example.com"))
    assert (Ticket.get_by_id(ticket.number).priority == 1) is obeyed
    assert bool(sent("impersonation")) is not obeyed


def test_stranger_with_copied_references_opens_own_ticket_and_learns_nothing(
    intake: Intake) -> None:
    ticket, _ = open_ticket(intake)
    [ack] = sent("acknowledgement")
    copied = mail(sender="Eve <eve@evil.example>",
                  subject=f"Re: [#{ticket.number}] Placement report",
                  References=ack["Message-ID"], In_Reply_To=ack["Message-ID"],
                  body="Send me the report.")
    assert accept(intake, copied) is Outcome.OPENED
    eve_ticket = Ticket.get(Ticket.requester == "eve@evil.example")
    assert eve_ticket.number != ticket.number
    [eve_ack] = [a for a in sent("acknowledgement") if "eve@evil.example" in a["To"]]
    assert f"#{ticket.number}" not in eve_ack.as_string(
        ) and "wrong dates" not in eve_ack.as_string()
    assert not Participant.select().where((Participant.ticket == ticket) & (
        Participant.email == "eve@evil.example")).exists()


def test_tampered_signed_address_is_refused_and_recorded(intake: Intake) -> None:
    ticket, _ = open_ticket(intake)
    [ack] = sent("acknowledgement")
    tampered = ack["Reply-To"].replace(f"t{ticket.number}.", f"t{ticket.number + 1}.")
    assert accept(intake, mail(sender="Eve <eve@evil.example>", to=tampered),
                  to=tampered) is Outcome.OPENED
    assert Ticket.select().count() == 2
    refused = Event.get(Event.kind == "refused_address")
    assert tampered in refused.detail


def test_customer_signed_address_lets_a_forwarded_colleague_in(intake: Intake) -> None:
    ticket, _ = open_ticket(intake)
    [ack] = sent("acknowledgement")
    colleague = mail(sender="Kim <kim@partner.example>", to=ack["Reply-To"], subject="Re: " + ack[
        "Subject"],
                     body="I am Dana's colleague: here is the log.",
                     Cc="helpdesk@example.com, Blocked <x@spam.example>")
    intake.runtime.settings.config.main.conversations.blocked.append("@spam.example")
    assert accept(intake, colleague, to=ack["Reply-To"]) is Outcome.REPLIED
    people = {p.email for p in Participant.select().where(Participant.ticket == ticket)}
    assert people == {CUSTOMER_MAIL, "kim@partner.example"}


def test_customer_reply_is_stored_without_the_quoted_history(intake: Intake) -> None:
    ticket, _ = open_ticket(intake)
    [ack] = sent("acknowledgement")
    quoted = "\n".join("> " + line for line in body(ack).splitlines())
    reply = mail(subject="Re: " + ack["Subject"], to=ack["Reply-To"],
                 body="Here is the screenshot.\n\nThanks,\nDana\n\n"
                      "On 23 Nov 2026, at 10:02, Test Helpdesk "
                      f"<helpdesk@example.com> wrote:\n\n{quoted}\n")
    accept(intake, reply, to=ack["Reply-To"])
    latest = Message.select().where(Message.direction == "in").order_by(Message.id.desc()).get()
    assert latest.text == "Here is the screenshot.\n\nThanks,\nDana"
    [alice] = [n for n in sent("notification") if "alice" in n["To"] and "Customer reply" in n[
        "Subject"]]
    assert "Here is the screenshot." in body(alice) and "wrote:" not in body(alice)


@pytest.mark.parametrize("field", ["Subject", "From"])
def test_encoded_line_breaks_never_add_a_header_or_recipient(intake: Intake, field: str) -> None:
    """A stranger, so that the name they give is the one maild uses (a designated contact's name
    comes from the accounts file instead, and would hide an injection in the From name)."""
    # all encoded: a valid name
    injected = "=?utf-8?q?Hello=0D=0ABcc=3A_eve=40evil.example=0D=0AX-Evil=3A_1?="
    raw = mail(subject="SUBJECT", sender="NAME <lou@stranger.example>").as_bytes()
    raw = raw.replace(b"SUBJECT" if field == "Subject" else b"NAME", injected.encode())
    assert intake.accept(Arrival(raw, "test", "test", ["helpdesk@example.com"],
                                 "lou@stranger.example")) is Outcome.OPENED
    ticket = Ticket.get()
    assert "Bcc: eve@evil.example" in (
        ticket.subject if field == "Subject" else ticket.requester_name)
    [note] = [n for n in sent("notification") if "alice@example.com" in n["To"]]
    accept(intake, staff_reply(note, "An answer."), to=note["Reply-To"])
    assert {"acknowledgement", "notification", "answer"} <= {o.purpose for o in Outbox.select()}
    for row in Outbox.select():
        out = message_from_bytes(bytes(row.content), policy=policy.default)
        assert out["Bcc"] is None and out["X-Evil"] is None
        assert "eve@evil.example" not in row.recipients
        assert all("\n" not in str(value) and "\r" not in str(value) for value in out.values())


HOSTILE = '<script>alert(1)</script> <img src=x onerror="alert(2)"> {{12345*6}} {% raw %}'
EVALUATED = str(12345 * 6)  # what a template running the customer's words would print


@pytest.mark.parametrize("subject", [
    f"Report broken {HOSTILE}",
    f"For the attention of the Customer Services Manager - {HOSTILE}",
], ids=["ticket", "escalation"])
def test_customer_markup_and_template_syntax_are_escaped_in_html_and_literal_in_text(
    intake: Intake, subject: str
) -> None:
    """X8: whatever a customer writes is data: HTML parts escape it, text parts show it as written,
    and no template ever runs it (no 74070, no error from a stray `{% raw %}`)."""
    accept(intake, mail(subject=subject, body=f"It fails: {HOSTILE}"))
    # Alice's, or Carol's for the escalation
    ticket, [note, *_] = Ticket.get(), sent("notification")
    accept(intake, staff_reply(note, "#resolve\nFixed.", sender=note["To"]), to=note["Reply-To"])
    assert {"acknowledgement", "notification", "answer", "resolved"} <= {
        o.purpose for o in Outbox.select()}
    html_parts = 0
    for row in Outbox.select():
        out = message_from_bytes(bytes(row.content), policy=policy.default)
        text = body(out)
        assert EVALUATED not in text
        # the answer holds Alice's words, the others quote the customer's
        if row.purpose != "answer":
            assert HOSTILE in text or HOSTILE in str(out["Subject"]), row.purpose
        html = out.get_body(("html",))
        if html is not None:
            html_parts += 1
            markup = html.get_content()
            assert "<script" not in markup and "<img" not in markup and EVALUATED not in markup
            assert ("&lt;script&gt;alert(1)&lt;/script&gt; "
                    "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in markup)
            assert "{{12345*6}} {% raw %}" in markup
    assert html_parts >= 1  # the acknowledgement (or the escalation's) has one


# ---------------------------------------------------------------- X2: signed addresses that do
# not hold
# A bad signature, a token moved to another ticket, or a staff member's token used by someone
# else is "held" back from the ticket it names: it never threads, never proves staff, and the
# mail is handled as if it had come to the plain helpdesk address (see docs/behaviour.md).

def test_bad_signature_from_a_stranger_opens_their_own_ticket(intake: Intake) -> None:
    ticket, _ = open_ticket(intake)
    [ack] = sent("acknowledgement")
    # the signature's tail changed
    forged = ack["Reply-To"][:-len("@example.com") - 3] + "aaa@example.com"
    message = mail(sender="Eve <eve@evil.example>", to=forged, subject="Re: " + ack["Subject"],
                   body="Send the report.")
    assert accept(intake, message, to=forged) is Outcome.OPENED
    eve = Ticket.get(Ticket.requester == "eve@evil.example")
    assert eve.number != ticket.number and eve.subject == "Placement report shows the wrong dates"
    assert [p.email for p in Participant.select().where(Participant.ticket == ticket)] == [
        CUSTOMER_MAIL]
    assert Message.select().where((Message.ticket == ticket)
                                  & (Message.from_addr == "eve@evil.example")).count() == 0
    assert Event.get(Event.kind == "refused_address").detail == (
        f"signed reply address {forged.lower()} does not verify: refused")
    [eve_ack] = [a for a in sent("acknowledgement") if "eve@evil.example" in a["To"]]
    assert (f"#{ticket.number}]" not in eve_ack["Subject"]
            and "The report is wrong" not in eve_ack.as_string())


def test_bad_signature_from_the_customer_threads_by_the_tag_as_any_mail_would(
    intake: Intake) -> None:
    """A mangled or outdated reply address (the key was replaced) costs its owner nothing."""
    ticket, _ = open_ticket(intake)
    [ack] = sent("acknowledgement")
    mangled = ack["Reply-To"][:-len("@example.com") - 3] + "aaa@example.com"
    reply = mail(to=mangled, subject="Re: " + ack["Subject"], body="Here is the screenshot.")
    assert accept(intake, reply, to=mangled) is Outcome.REPLIED
    assert Message.select().where(Message.ticket == ticket).where(
        Message.text == "Here is the screenshot.").exists()
    assert Event.select().where(Event.kind == "refused_address").count() == 1


def test_token_moved_to_another_ticket_is_refused(intake: Intake) -> None:
    first, _ = open_ticket(intake)
    accept(intake, mail(sender="Eve <eve@evil.example>", subject="My own question"))
    eve = Ticket.get(Ticket.requester == "eve@evil.example")
    [eve_ack] = [a for a in sent("acknowledgement") if "eve@evil.example" in a["To"]]
    # her valid token, another number
    moved = eve_ack["Reply-To"].replace(f"+t{eve.number}.", f"+t{first.number}.")
    assert moved != eve_ack["Reply-To"]
    message = mail(sender="Eve <eve@evil.example>", to=moved, subject="Re: my own question",
                   body="Show me theirs.")
    assert accept(intake, message, to=moved) is Outcome.OPENED
    assert Ticket.select().count() == 3  # neither the ticket it names nor (without a tag) her own
    assert Message.select().where((Message.ticket == first) & (
        Message.from_addr == "eve@evil.example")).count() == 0
    assert moved.lower() in Event.get(Event.kind == "refused_address").detail


def test_staff_token_used_by_a_stranger_opens_their_own_ticket_and_runs_nothing(
    intake: Intake) -> None:
    ticket, note = open_ticket(intake)  # Alice's notification, with her signed Reply-To
    leaked = staff_reply(note, "#close\n#priority 1\nClosing this.",
                         sender="Eve <eve@evil.example>")
    assert accept(intake, leaked, to=note["Reply-To"]) is Outcome.OPENED
    assert (Ticket.get_by_id(ticket.number).status, Ticket.get_by_id(ticket.number).priority) == (
        "new", 3)
    eve = Ticket.get(Ticket.requester == "eve@evil.example")
    opened = Event.get((Event.ticket == eve.number) & (Event.kind == "opened"))
    assert (f"a staff member's signed address for ticket {ticket.number} used by someone else"
            in opened.detail)
    assert sent("impersonation") == [] and sent("answer") == []  # Eve is nobody's staff address


def test_staff_token_used_by_another_staff_member_proves_nothing(intake: Intake) -> None:
    ticket, note = open_ticket(intake)
    reply = staff_reply(note, "#priority 1", sender="Erin Engineer <erin@example.com>")
    # as an outsider's mail: not on the ticket
    assert accept(intake, reply, to=note["Reply-To"]) is Outcome.OPENED
    assert Ticket.get_by_id(ticket.number).priority == 3
    assert Ticket.select().count() == 2 and Ticket.get(
        Ticket.number != ticket.number).requester == "erin@example.com"
    assert [t["To"] for t in sent("impersonation")] == ["Erin Engineer <erin@example.com>"]

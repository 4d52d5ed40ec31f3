"""Outgoing mail: customer text never adds a header or a recipient (CVE-2024-6923 and kin)."""

from __future__ import annotations

import time
from datetime import datetime
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maild.outbound.compose import Outgoing, _date, _folded, compose


def outgoing(**changes) -> Outgoing:  # noqa: ANN003
    fields = dict(from_header="Helpdesk <helpdesk@example.com>", to=[("Dana", "dana@example.org")],
                  subject="[#1] Hello", text="Body", html=None, message_id="<maild.1@example.com>")
    return Outgoing(**{**fields, **changes})


def test_encoded_newlines_in_subject_and_name_add_no_header() -> None:
    evil_subject = "x\r\nBcc: eve@evil.example\nX-Injected: 1"
    content = compose(outgoing(subject=f"[#1] {evil_subject}", to=[("Dana\r\nCc: eve@evil.example",
                                                                    "dana@example.org")]))
    message = message_from_bytes(content, policy=policy.default)
    assert message["Bcc"] is None and message["Cc"] is None and message["X-Injected"] is None
    assert message["Subject"] == "[#1] x Bcc: eve@evil.example X-Injected: 1"
    assert [a.addr_spec for a in message["To"].addresses] == ["dana@example.org"]


@pytest.mark.parametrize("address", ["dana@example.org\r\nRCPT TO:<eve@evil.example>",
                                     "a@b@c.example", "<x>@y.example"])
def test_malformed_recipient_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="malformed address"):
        compose(outgoing(to=[("", address)]))


def test_html_part_is_kept_as_given_and_headers_mark_automatic_mail() -> None:
    content = compose(outgoing(html="<p>Hi</p>", auto_submitted="auto-replied",
                               loop_marker="helpdesk@example.com",
                               in_reply_to="<c1@example.org>", references=["<c0@example.org>",
                                                                           "<c1@example.org>"]))
    message = message_from_bytes(content, policy=policy.default)
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Maild-Loop"] == "helpdesk@example.com"
    assert message["References"] == "<c0@example.org> <c1@example.org>"
    assert message.get_body(("html",)).get_content().strip() == "<p>Hi</p>"


def test_long_lines_are_wrapped_for_the_wire() -> None:
    content = compose(outgoing(text="word " * 400 + "\n", html="<p>" + "x" * 3000 + "</p>"))
    assert max(len(line) for line in content.split(b"\r\n")) <= 78
    message = message_from_bytes(content, policy=policy.default)
    assert message.get_body(("plain",)).get_content().strip() == ("word " * 400).strip()


BREAKS = ["\r\n", "\n", "\r", "\u2028", "\x00", "\x0b"]


@pytest.mark.parametrize("brk", BREAKS, ids=["crlf", "lf", "cr", "u2028", "nul", "vt"])
def test_line_breaks_in_subject_and_every_display_name_add_no_header_or_recipient(brk: str) -> None:
    from maild.outbound.compose import display_from
    evil = f"x{brk}Bcc: eve@evil.example{brk}X-Injected: 1"
    content = compose(outgoing(subject=f"[#1] Caf\u00e9 {evil}", from_header=display_from(
        f"Alice {evil}", "helpdesk@example.com"),
                               to=[(f"Dana {evil}", "dana@example.org")], cc=[(f"Pat {evil}",
                                                                               "pat@example.org")],
                               reply_to="helpdesk+t1.c.abcdefabcdef@example.com"))
    message = message_from_bytes(content, policy=policy.default)
    assert sorted(message.keys()) == sorted(["From", "To", "Cc", "Reply-To", "Subject", "Date",
                                             "Message-ID",
                                             "Content-Type", "MIME-Version",
                                             "Content-Transfer-Encoding"])
    assert [a.addr_spec for a in message["To"].addresses + message["Cc"].addresses] == [
        "dana@example.org", "pat@example.org"]
    assert message["Subject"] == "[#1] Caf\u00e9 x Bcc: eve@evil.example X-Injected: 1"
    assert message["From"].addresses[
        0].display_name == "Alice x Bcc: eve@evil.example X-Injected: 1"


@pytest.mark.parametrize("field", ["to", "cc", "reply_to", "from"])
@pytest.mark.parametrize("address", ["dana@example.org\r\nBcc: eve@evil.example",
                                     "dana@example.org\nX: 1", "dana@exa\rmple.org",
                                     "dana@example.org\n"])
def test_line_breaks_in_any_address_are_refused(field: str, address: str) -> None:
    from maild.outbound.compose import display_from
    with pytest.raises(ValueError, match="malformed address"):
        if field == "from":
            display_from("Alice", address)
        else:
            compose(outgoing(**{field: address if field == "reply_to" else [("", address)]}))


@pytest.mark.parametrize("name", [
    "Doe, John (ACME Corporation - Procurement and Facilities Management Department)",
    "Support Team <attacker@evil.example>, Customer Care Department of Example Incorporated",
    "Bracket [x] and \"quotes\" and back\\slash in a display name longer than one encoded word",
])
def test_a_long_display_name_with_specials_stays_one_name(name: str) -> None:
    import mailparser

    content = compose(outgoing(to=[(name, "dana@example.org")], cc=[(name, "pat@example.org")]))
    message = message_from_bytes(content, policy=policy.default)
    assert [(a.display_name, a.addr_spec) for a in message["To"].addresses] == [(
        name, "dana@example.org")]
    assert [a.addr_spec for a in message["Cc"].addresses] == ["pat@example.org"]
    assert [address for _, address in mailparser.parse_from_bytes(content).to] == [
        "dana@example.org"]
    assert max(len(line) for line in content.split(b"\r\n")) <= 78


def test_a_configured_from_with_a_non_ascii_name_is_encoded() -> None:
    content = compose(outgoing(from_header="Soci\u00e9t\u00e9 Helpdesk <help@example.com>"))
    [sender] = message_from_bytes(content, policy=policy.default)["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Soci\u00e9t\u00e9 Helpdesk",
                                                       "help@example.com")
    assert content.isascii()


def test_quoted_printable_lines_stay_within_76_even_with_a_blank_at_the_limit() -> None:
    text = "y" * 74 + " \nnext line\n" + "z" * 75 + "\t\n"
    content = compose(outgoing(text=text, html="<p>" + "y" * 71 + " </p>\n"))
    body = content.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
    message = message_from_bytes(content, policy=policy.default)
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == text


def test_references_that_cannot_be_written_leave_no_empty_header() -> None:
    ids = ["<old@example.org>", *[f"<caf\u00e9{i}@example.org>" for i in range(20)]]
    message = message_from_bytes(compose(outgoing(references=ids)), policy=policy.default)
    assert message["References"] is None


@pytest.mark.parametrize(("utc", "header"), [
    ("2026-10-25T00:30:00+00:00", "Sun, 25 Oct 2026 01:30:00 +0100"),  # 01:30 summer time
    # 01:30 again, after the clocks went back
    ("2026-10-25T01:30:00+00:00", "Sun, 25 Oct 2026 01:30:00 +0000"),
    ("2026-03-29T01:30:00+00:00", "Sun, 29 Mar 2026 02:30:00 +0100"),
])
def test_the_date_header_names_the_right_moment_when_uk_clocks_change(
    monkeypatch: pytest.MonkeyPatch, utc: str, header: str
) -> None:
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        moment = int(datetime.fromisoformat(utc).timestamp())
        assert _date(moment) == header
        assert parsedate_to_datetime(header).timestamp() == moment
    finally:
        monkeypatch.undo()
        time.tzset()


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["To", "Subject", "Message-ID", "X-Auto-Response-Suppress"]),
       st.lists(st.text("ab", min_size=1, max_size=40), min_size=1, max_size=8).map(" ".join))
def test_a_header_is_folded_at_spaces_into_lines_of_78_where_its_words_allow(name: str,
                                                                             value: str) -> None:
    folded = _folded(name, value)
    assert folded.endswith("\r\n") and folded[:-2].replace("\r\n ", " ") == f"{name}: {value}"
    lines = folded[:-2].split("\r\n")
    for line, after in zip(lines, lines[1:]):
        # the next word did not fit
        assert len(line) <= 78 and len(line) + len(after.split(" ")[1]) + 1 > 78
    # longer only for one unbreakable word
    assert len(lines[-1]) <= 78 or " " not in lines[-1].strip()

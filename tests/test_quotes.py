"""Quote stripping: each reply in tests/data/replies and tests/data/replies-holdout (written as
real clients write them) keeps exactly its new text, and the share of tests/data/replies-unseen
stored right stays where it was measured. `bench/quotes.py` prints the same comparison as a figure,
per corpus; tests/test_quote_classes.py holds the stripper to each class of reply."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import build_intake
from maild.intake import Arrival, Intake, Outcome
from maild.pipeline import quotes
from maild.pipeline.quotes import new_text
from maild.store.models import Message
from mails import mail

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from quotes import (CORPUS, HOLDOUT, UNSEEN, UNSEEN_2, cases,  # noqa: E402,I001
                    first_paragraph, library_only, maild, normalised)

CASES = cases(CORPUS) + cases(HOLDOUT)


def test_the_corpus_covers_many_clients_and_languages() -> None:
    names = [name for name, _, _, _ in CASES]
    clients = {name.split("-")[0] for name in names}
    languages = {name.split("-")[1] for name in names}
    assert len(names) >= 120 and len(clients) >= 15 and {"en", "de", "fr", "nl"} <= languages


@pytest.mark.parametrize(("name", "text", "subject", "expected"), CASES, ids=[c[0] for c in CASES])
def test_reply_keeps_only_its_new_text(name: str, text: str, subject: str, expected: str) -> None:
    assert normalised(new_text(text, subject=subject)) == expected


UNSEEN_SHARE = 0.95  # measured 87 of 87 (docs/benchmarks.md), less a margin of two replies a batch


@pytest.mark.parametrize("folder", [UNSEEN, UNSEEN_2], ids=lambda folder: folder.name)
def test_unseen_replies_are_stored_right_nine_times_in_ten_and_better_than_the_baselines(
        folder: Path) -> None:
    unseen = cases(folder)
    assert len(unseen) >= 40

    def share(method) -> float:  # noqa: ANN001 - one of bench/quotes.py's methods
        return sum(normalised(method(text, subject)) == expected
                   for _, text, subject, expected in unseen) / len(unseen)

    assert share(maild) >= UNSEEN_SHARE
    assert share(library_only) < UNSEEN_SHARE and share(first_paragraph) < UNSEEN_SHARE


def test_our_own_message_pasted_without_quoting_is_cut() -> None:
    ours = ("Dear Dana,\nwe have received your request and will answer within a working day.\n\n"
            "Helpdesk")
    reply = ("Thank you.\n\nDear Dana,\n"
             "we have received your request and will answer within a working day.\n\nHelpdesk")
    assert new_text(reply, [ours]) == "Thank you."


def test_text_without_any_quoting_is_kept_whole() -> None:
    text = ("First paragraph.\n\nSecond paragraph: with a colon.\n\n"
            "- a list\n- of things\n\nRegards,\nDana")
    assert new_text(text) == text


LINES = st.lists(st.sampled_from([
    "Thanks, that fixed it", "", "  ", "> quoted", "Best regards", "Dana",
    "-----Original Message-----",
    "----- Original Message -----", "From: Dana <dana@example.org>", "Sent: Monday",
    "To: help@example.com",
    "Subject: Re: printer", "On Mon, 1 Jun 2026 Dana wrote:", "Am 1. Juni 2026 schrieb Dana:",
    "Von: Dana",
    "Gesendet: Montag", "________________________________", "-----", "Le lundi, Dana a écrit :",
    "Time 10:30",
]), min_size=1, max_size=12)  # split() gives a line at least


@settings(max_examples=300, deadline=None)
@example(["Thanks, that fixed it", "", "________________________________"])  # its rule, no colon
@given(LINES)
def test_the_library_is_skipped_only_where_it_would_cut_nothing(lines: list[str]) -> None:
    assert quotes._library_cut(lines) == quotes._library_read_cut("\n".join(lines))


def test_the_library_is_skipped_for_the_corpus_as_it_would_answer() -> None:
    for _, text, _, _ in CASES + cases(UNSEEN) + cases(UNSEEN_2):
        lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
        assert quotes._library_cut(lines) == quotes._library_read_cut("\n".join(lines)), text[:80]


# ---------------------------------------------------------------- through the pipeline
CUSTOMER = "Dana Admin <dana@bath.example.ac.uk>"


@pytest.fixture
def intake(tmp_path: Path) -> Intake:
    return build_intake(tmp_path)


def reply_on_ticket(intake: Intake, subject: str, text: str | None = None,
                    html: str | None = None) -> str:
    """The text stored for a customer's reply on ticket 1 (opened first)."""
    assert intake.accept(Arrival(mail(CUSTOMER).as_bytes(), "test", "test",
                                 ["helpdesk@example.com"],
                                 "dana@bath.example.ac.uk")) is Outcome.OPENED
    message = mail(CUSTOMER, subject, text or "")
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    assert intake.accept(Arrival(message.as_bytes(), "test", "test", ["helpdesk@example.com"],
                                 "dana@bath.example.ac.uk")) is Outcome.REPLIED
    return Message.select().where(Message.direction == "in").order_by(Message.id.desc()).get().text


OUTLOOK_HTML = (
    "<html><body><div class=WordSection1><p class=MsoNormal>Hello,</p><p class=MsoNormal>"
    "<o:p>&nbsp;</o:p></p><p class=MsoNormal>the new version fixed it.</p></div><hr>"
    "<div id=divRplyFwdMsg><b>From:</b> Test Helpdesk &lt;helpdesk@example.com&gt;<br><b>Sent:"
    "</b> Monday, March 3, 2025 10:15 AM<br><b>To:</b> Dana<br><b>Subject:</b> [#1] Report</div>"
    "<p>Dear Dana, we have opened ticket 1.</p></body></html>")


@pytest.mark.parametrize("text_part", [None, "", "\u200b\r\n\u00a0\r\n"], ids=["html-only", "empty",
                                                                               "invisible"])
def test_an_outlook_html_reply_is_stored_as_its_new_text(intake: Intake,
                                                         text_part: str | None) -> None:
    stored = reply_on_ticket(intake, "RE: [#1] Placement report", text_part, OUTLOOK_HTML)
    assert stored == "Hello,\n\nthe new version fixed it."


def test_a_forward_onto_a_ticket_is_stored_whole(intake: Intake) -> None:
    forward = ("FYI, from our finance office.\n\n---------- Forwarded message ---------\n"
               "From: Finance <finance@bath.example.ac.uk>\nDate: Mon, 3 Mar 2025 at 09:12\n"
               "Subject: Invoice\nTo: Dana <dana@bath.example.ac.uk>\n\n"
               "The invoice has no VAT number.")
    assert reply_on_ticket(intake, "Fwd: [#1] Placement report", forward) == forward


def test_a_reply_under_a_cyrillic_dated_attribution_keeps_its_new_text(intake: Intake) -> None:
    text = ("Добрый день!\n\nОтчёт всё ещё не выгружается.\n\n"
            "пн, 3 мар. 2025 г. в 10:15, Test Helpdesk <helpdesk@example.com>:\n\n"
            "> Уважаемый клиент,\n> мы открыли заявку 1.\n")
    assert reply_on_ticket(intake, "Re: [#1] Placement report", text) == (
        "Добрый день!\n\nОтчёт всё ещё не выгружается.")

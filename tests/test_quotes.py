"""Quote stripping: each reply in tests/data/replies and tests/data/replies-holdout (written as
real clients write them) keeps exactly its new text. `bench/quotes.py` prints the same comparison
as a figure, per corpus."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maild.pipeline import quotes
from maild.pipeline.quotes import new_text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from quotes import CORPUS, HOLDOUT, cases, normalised  # noqa: E402

CASES = cases(CORPUS) + cases(HOLDOUT)


def test_the_corpus_covers_many_clients_and_languages() -> None:
    names = [name for name, _, _ in CASES]
    clients = {name.split("-")[0] for name in names}
    languages = {name.split("-")[1] for name in names}
    assert len(names) >= 120 and len(clients) >= 15 and {"en", "de", "fr", "nl"} <= languages


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_reply_keeps_only_its_new_text(name: str, text: str, expected: str) -> None:
    assert normalised(new_text(text)) == expected


def test_our_own_message_pasted_without_quoting_is_cut() -> None:
    ours = "Dear Dana,\nwe have received your request and will answer within a working day.\n\nHelpdesk"
    reply = ("Thank you.\n\nDear Dana,\nwe have received your request and will answer within a working day.\n\n"
             "Helpdesk")
    assert new_text(reply, [ours]) == "Thank you."


def test_text_without_any_quoting_is_kept_whole() -> None:
    text = "First paragraph.\n\nSecond paragraph: with a colon.\n\n- a list\n- of things\n\nRegards,\nDana"
    assert new_text(text) == text


def test_the_new_text_worked_out_ahead_is_the_same_answer() -> None:
    """quotes.new_text with `known` (stripped in the worker before our texts were looked up) must
    answer as without it, for every corpus reply, with our texts pasted in and not."""
    ours = ["Dear Dana,\nwe have received your request and will answer within a working day.\n\nHelpdesk",
            "Hello,\nyour ticket [#12] was resolved by our team today.\nReply to reopen it."]
    pasted = ("Thank you.\n\nDear Dana,\nwe have received your request and will answer within a working day.\n\n"
              "Helpdesk")
    texts = [text for _, text, _ in CASES] + [pasted, pasted.replace("Thank you.", "> quoted\nThanks.")]
    for text in texts:
        for mine in ([], ours):
            assert new_text(text, mine, known=new_text(text)) == new_text(text, mine), text[:80]
    assert new_text(pasted, ours, known="(worked out without our texts)") == "Thank you."


def _alternatives(pattern: str) -> list[str]:
    """The top-level branches of a regular expression's text."""
    branches, depth, start, i = [], 0, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1  # the escaped character is not syntax
        elif char == "[":  # a class, to its "]" (one first in it, or escaped, is part of it)
            i += 2 if pattern[i + 1] == "^" else 1
            i += 2 if pattern[i] == "\\" else 1
            while pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:i])
            start = i + 1
        i += 1
    return branches + [pattern[start:]]


def test_every_header_line_the_library_can_match_holds_a_hint() -> None:
    """quotes._library_cut asks mail-parser-reply only about a text holding one of LIBRARY_HINTS.
    Should a new version of it know a header line without a colon, this fails."""
    pattern = quotes._parser.read(text="").HEADER_REGEX.pattern
    branches = _alternatives(pattern)
    assert len(branches) >= 2 * len(quotes.LANGUAGES)  # a "wrote" line and a header block each, and more
    assert _alternatives(r"a[]|x]b|[^]|]c|[\]|]d|(e|f)") == [r"a[]|x]b", r"[^]|]c", r"[\]|]d", "(e|f)"]
    for branch in branches:
        assert ":" in branch or "-{5,}" in branch, branch


LINES = st.lists(st.sampled_from([
    "Thanks, that fixed it", "", "  ", "> quoted", "Best regards", "Dana", "-----Original Message-----",
    "----- Original Message -----", "From: Dana <dana@example.org>", "Sent: Monday", "To: help@example.com",
    "Subject: Re: printer", "On Mon, 1 Jun 2026 Dana wrote:", "Am 1. Juni 2026 schrieb Dana:", "Von: Dana",
    "Gesendet: Montag", "________________________________", "-----", "Le lundi, Dana a écrit :", "Time 10:30",
]), min_size=1, max_size=12)  # split() gives a line at least


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_the_library_is_skipped_only_where_it_would_cut_nothing(lines: list[str]) -> None:
    assert quotes._library_cut(lines) == quotes._library_read_cut("\n".join(lines))


def test_the_library_is_skipped_for_the_corpus_as_it_would_answer() -> None:
    for _, text, _ in CASES:
        lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
        assert quotes._library_cut(lines) == quotes._library_read_cut("\n".join(lines)), text[:80]


ALL_CHARACTERS = "".join(map(chr, range(0x110000))).encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def test_the_lowered_search_finds_every_letter_ignorecase_would() -> None:
    """quotes._holds_attribution_words searches lowered text first: for each letter of the words,
    every character IGNORECASE takes for it must lower (and fold) to it, or a word could be missed."""
    letters = {char for char in quotes.WROTE + "zitat quoting" if char.isalpha()}
    assert {"w", "é", "ó", "ł", "i", "s"} <= letters
    for letter in letters:
        for char in re.findall(re.escape(letter), ALL_CHARACTERS, re.IGNORECASE):
            assert letter in char.lower().translate(quotes.FOLD_LOWERED), (letter, hex(ord(char)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["WROTE", "Schrieb", "a  ÉCRIT", "escribió", "NAPISAŁ", "wrıte", "ſchrieb", "İ",
                                 "zİtat", "QUOTING", "text", " ", "\n", "K", "\u0307"]), max_size=8).map("".join))
def test_the_lowered_search_answers_as_the_words_pattern(text: str) -> None:
    assert quotes._holds_attribution_words(text) == bool(quotes.ATTRIBUTION_WORDS.search(text))

"""How often the stored text of a reply is exactly its new text, on the tests/data/replies corpus.

    .venv/bin/python bench/quotes.py [-v]

Compares maild's `new_text` with mail-parser-reply alone and with a naive first-paragraph rule,
on the text/plain part as maild's parse step extracts it (mail-parser).
"""

from __future__ import annotations

import sys
from pathlib import Path

from mailparser_reply import EmailReplyParser

from maild.config import Limits
from maild.pipeline.parse import parse_content
from maild.pipeline.quotes import LANGUAGES, new_text

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CORPUS = DATA / "replies"  # maild's rules were developed against this one
# written afterwards, by someone who saw neither the code nor CORPUS
HOLDOUT = DATA / "replies-holdout"
UNSEEN = DATA / "replies-unseen"  # issue 25's classes, expected texts written before any run
# written after the stripper, measured before any change for it
UNSEEN_2 = DATA / "replies-unseen-2"


def normalised(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))


def cases(folder: Path = CORPUS) -> list[tuple[str, str, str, str]]:
    """(name, text as the parse step extracts it, subject, expected new text) for every fixture in
    `folder`."""
    found = []
    for eml in sorted(folder.glob("*.eml")):
        mail, _ = parse_content(eml.read_bytes(), Limits())
        expected = eml.with_suffix(".expected.txt").read_text(encoding="utf-8")
        found.append((eml.stem, mail.text, mail.subject, normalised(expected)))
    return found


def maild(text: str, subject: str) -> str:
    return new_text(text, subject=subject)


def library_only(text: str, subject: str) -> str:
    replies = EmailReplyParser(languages=LANGUAGES).read(text=text).replies
    return replies[0].content if replies else text


def first_paragraph(text: str, subject: str) -> str:
    return text.strip().split("\n\n")[0]


def main() -> int:
    verbose = "-v" in sys.argv
    for folder in (CORPUS, HOLDOUT, UNSEEN, UNSEEN_2):
        print(f"{folder.name}:")
        compare(cases(folder), verbose)
    return 0


def compare(corpus: list[tuple[str, str, str, str]], verbose: bool) -> None:
    for label, method in (("maild new_text", maild), ("mail-parser-reply alone", library_only),
                          ("first paragraph", first_paragraph)):
        wrong = [name for name, text, subject, expected in corpus
                 if normalised(method(text, subject)) != expected]
        exact = len(corpus) - len(wrong)
        print(f"  {label:<24} {exact:>3}/{len(corpus)} exact ({100 * exact / len(corpus):.0f}%)")
        if verbose and wrong:
            print("      wrong: " + ", ".join(wrong))


if __name__ == "__main__":
    raise SystemExit(main())

"""Subject lines: our ticket tag, and the reply/forward prefixes of many languages' mail clients."""

from __future__ import annotations

import re

REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|fw|aw|wg|sv|vs|antw|tr|rif|r)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# The first prefix says the mail passes another on (English, German, French, Spanish, Italian,
# Dutch, Swedish, Finnish, Portuguese, Polish), not that it answers it.
FORWARD_PREFIX = re.compile(r"^\s*(?:fwd?|fw|wg|tr|rv|i|doorst|vb|vl|enc|pd)\s*(?:\[\d+\])?\s*:",
                            re.IGNORECASE)


def tag_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(r"\[" + re.escape(prefix) + r"(\d{1,9})\]")


def bare_subject(subject: str, prefix: str) -> str:
    """The subject without `Re:`/`Fwd:`/`AW:`... prefixes and without any of our ticket tags."""
    previous = None
    while previous != subject:
        previous = subject
        subject = REPLY_PREFIX.sub("", tag_pattern(prefix).sub("", subject)).strip()
    return " ".join(subject.split())


def tagged_subject(prefix: str, number: int, subject: str) -> str:
    """`subject` with the ticket's tag in front, unless it carries it already."""
    tag = f"[{prefix}{number}]"
    return subject if tag in subject else f"{tag} {subject}"

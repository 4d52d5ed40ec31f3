"""Mail over the configured limits, refused before any time is spent parsing it.

Size, the header block, the number of MIME parts and how deep parts nest are measured on the raw
bytes (a part is a line opening with `--` and one of the boundaries the mail declares; a level is
a multipart or an encapsulated message/rfc822), so a bomb of ten thousand tiny parts, a megabyte
of headers or a thousand nested multiparts or forwarded messages costs a scan, not a parse (the
parser recurses once per level: a deep enough bomb exhausts it before any later check could run).
Boundaries are counted whatever their length up to what a line can hold (RFC 5322's 998
characters, less the `--`): Exchange writes 76-character ones, past RFC 2046's 70, so that limit
would refuse half the world's mail; a longer one can only be a bomb hiding its parts, and is
refused.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass

from maild.config import Limits
from maild.errors import Quarantine

MAX_BOUNDARY = 996  # a delimiter line `--boundary` within RFC 5322's 998 characters
BOUNDARY = re.compile(rb'(?<![\w-])boundary\s*=\s*(?:"([^"\r\n]*)"|([^\s;"]*))', re.IGNORECASE)
HEADER_END = re.compile(rb"\r?\n\r?\n")
# Delimiter lines (`--boundary`, `--boundary--`), boundary declarations and encapsulated messages
# (each a level of nesting too), in the order they come.
STRUCTURE = re.compile(rb"(?m)^--([^\r\n]{1,%d}?)[ \t]*\r?$|" % (
    MAX_BOUNDARY + 2) + BOUNDARY.pattern
                       + rb"|^(content-type:[ \t]*message/(?:rfc822|global))\b", re.IGNORECASE)


@dataclass(frozen=True)
class Structure:
    parts: int  # opening delimiter lines of declared boundaries
    depth: int  # multiparts and messages inside each other, counted as the parser does


def check_content(content: bytes, limits: Limits) -> None:
    """Raises Quarantine when the raw bytes are over a limit."""
    if len(content) > limits.max_message_bytes:
        raise Quarantine(
            f"message is {len(content)} bytes, over the limit of {limits.max_message_bytes}")
    end = HEADER_END.search(content)
    header_bytes = end.start() if end else len(content)
    if header_bytes > limits.max_header_bytes:
        raise Quarantine(
            f"header block is {header_bytes} bytes, over the limit of {limits.max_header_bytes}")
    lowered = content.lower()  # ASCII only, as the patterns' IGNORECASE on bytes
    if b"boundary" not in lowered and b"message/" not in lowered:
        return  # no multipart and no attached message: nothing below can find a part (most mail)
    longest = max((len(_declared(m, 1)) for m in declarations(content, lowered)), default=0)
    if longest > MAX_BOUNDARY:
        raise Quarantine(f"MIME boundary is {longest} characters long, more than a mail line "
                         f"can hold ({MAX_BOUNDARY})")
    found = structure(content, lowered)
    if found.parts > limits.max_parts:
        raise Quarantine(
            f"message has {found.parts} MIME parts, over the limit of {limits.max_parts}")
    if found.depth > limits.max_depth:
        raise Quarantine(
            f"MIME nesting is {found.depth} deep, over the limit of {limits.max_depth}")


def structure(content: bytes, lowered: bytes | None = None) -> Structure:
    """Parts and nesting in one pass. The boundaries whose parts are open form a stack: a
    delimiter of an open boundary ends every part opened inside it, its closing line ends it too.
    `lowered` is `content.lower()`, when the caller has it."""
    declared: set[bytes] = set()
    stack: list[bytes | None] = []  # None: an encapsulated message, ended with the part it sits in
    position: dict[bytes, int] = {}  # boundary -> its index in the stack, so nothing is searched
    parts = depth = 0
    for match in structure_lines(content, content.lower() if lowered is None else lowered):
        line = match.group(1)
        if match.group(4):
            stack.append(None)
            depth = max(depth, len(stack))
        elif line is None:
            declared.add(_declared(match, 2))
        elif line in declared:
            parts += 1
            if line in position:
                _unwind(stack, position, position[line] + 1)
            else:
                position[line] = len(stack)
                stack.append(line)
                depth = max(depth, len(stack))
        elif line.endswith(b"--") and line[:-2] in position:
            _unwind(stack, position, position[line[:-2]])
    return Structure(parts, depth)


def declarations(content: bytes, lowered: bytes) -> Iterator[re.Match[bytes]]:
    """BOUNDARY.finditer(content), faster (see _matches)."""
    return _matches(BOUNDARY, content, _found(lowered, b"boundary"))


def structure_lines(content: bytes, lowered: bytes) -> Iterator[re.Match[bytes]]:
    """STRUCTURE.finditer(content), faster (see _matches)."""
    starts = heapq.merge(_line_starts(content, b"--"), _found(lowered, b"boundary"),
                         _line_starts(lowered, b"content-type:"))
    return _matches(STRUCTURE, content, starts)


def _matches(pattern: re.Pattern[bytes], content: bytes, starts: Iterator[int]) -> Iterator[
    re.Match[bytes]]:
    """What `pattern.finditer(content)` finds, tried only where a match can start (`starts`, in
    order, found with bytes.find): bounded work on hostile mail (docs/internals.md)."""
    end = 0
    for start in starts:
        if start >= end and (match := pattern.match(content, start)) is not None:
            yield match
            end = match.end()


def _found(content: bytes, word: bytes) -> Iterator[int]:
    at = content.find(word)
    while at >= 0:
        yield at
        at = content.find(word, at + 1)


def _line_starts(content: bytes, prefix: bytes) -> Iterator[int]:
    """Where the lines beginning with `prefix` begin."""
    if content.startswith(prefix):
        yield 0
    for at in _found(content, b"\n" + prefix):
        yield at + 1


def _declared(match: re.Match[bytes], first: int) -> bytes:
    """The boundary of a declaration: quoted (group `first`) or a bare token (the next group)."""
    quoted = match.group(first)
    return quoted if quoted is not None else match.group(first + 1)


def _unwind(stack: list[bytes | None], position: dict[bytes, int], size: int) -> None:
    while len(stack) > size:
        boundary = stack.pop()
        if boundary is not None:
            del position[boundary]

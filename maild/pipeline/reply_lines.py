"""The lines of a reply as the quote stripping reads them: invisible characters off their edges,
and which lines are quoted, whatever the client marked them with (`>`, `|`, `EH>`), including a
quoted line another client re-wrapped without its marker."""

from __future__ import annotations

import re

# Left by clients at line ends and on "empty" lines: zero-width spaces and joiners, word joiner,
# byte-order mark, soft hyphen. Inside a line they stay (a joiner binds an emoji).
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
EDGES = INVISIBLE + " \t\u00a0\u202f\u2007\u3000"
DROP_INVISIBLE = str.maketrans("", "", INVISIBLE)
BLANK = re.compile(f"[\\s{INVISIBLE}]*")
OTHER_MARKER = re.compile(r"^\s*(\||[A-Za-z][A-Za-z0-9_.-]{0,19}>)")  # "| ", "C> ", "Helpdesk> "
WRAP_WIDTH = 72  # the narrowest width clients wrap quoted lines at
WRAPPED_LINE = 60  # a quoted line this long may have lost its last words to the next line
CLOSED_SENTENCE = re.compile(r"[.!?][\"')\]]*$")


def visible(text: str) -> bool:
    """Whether `text` holds anything but white space and invisible characters."""
    return BLANK.fullmatch(text) is None


def normalised(text: str) -> list[str]:
    """The lines of `text`, each without invisible characters or white space at its ends (at its
    start only the invisible ones: indentation is kept)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cleaned = []
    for line in lines:
        line = line.rstrip(EDGES)
        if line and line[0] not in EDGES:  # most lines: no indent, nothing invisible in front
            cleaned.append(line)
            continue
        indent = line[:len(line) - len(line.lstrip(EDGES))]
        line = indent.translate(DROP_INVISIBLE) + line[len(indent):]
        cleaned.append(line if visible(line) else "")
    return cleaned


def is_marked(line: str) -> bool:
    return line.lstrip().startswith(">")


def quoted_lines(lines: list[str]) -> list[bool]:
    """Which lines are quoted: `>` lines, runs of two or more lines under one other marker, and a
    marker-less line that continues the `>` line above it, re-wrapped."""
    quoted = [is_marked(line) for line in lines]
    _mark_other_runs(lines, quoted)
    for i in range(1, len(lines)):
        if not quoted[i] and quoted[i - 1] and _rewrapped(lines, quoted, i):
            quoted[i] = True
    return quoted


def _mark_other_runs(lines: list[str], quoted: list[bool]) -> None:
    i = 0
    while i < len(lines):
        marker = _other_marker(lines[i])
        end = i
        while end < len(lines) and marker and _other_marker(lines[end]) == marker:
            end += 1
        if end - i >= 2:
            for n in range(i, end):
                quoted[n] = True
        i = max(end, i + 1)


def _other_marker(line: str) -> str:
    if ">" not in line[:24] and "|" not in line[:8]:
        return ""  # most lines, unread
    found = OTHER_MARKER.match(line)
    if not found or (found.group(1) == "|" and line.strip() != "|" and line.rstrip().endswith("|")):
        return ""  # a table row, not a quote
    return found.group(1)


def _rewrapped(lines: list[str], quoted: list[bool], i: int) -> bool:
    """Line `i` is the rest of the quoted line above: that one was long and stops mid-sentence,
    its next word would not have fitted, and a quoted or blank line (or the end) follows."""
    above, line = lines[i - 1].rstrip(), lines[i].strip()
    if not line or len(above) < WRAPPED_LINE or CLOSED_SENTENCE.search(above):
        return False
    if len(above) + 1 + len(line.split()[0]) <= WRAP_WIDTH:
        return False
    return i + 1 >= len(lines) or quoted[i + 1] or not lines[i + 1].strip()

"""Step: refuse mail over the configured limits before spending any time parsing it.

Size, the header block, and the number of MIME parts are measured on the raw bytes (a part is a
line opening with `--` and one of the boundaries the mail declares), so a bomb of ten thousand
tiny parts or a megabyte of headers costs a scan, not a parse. Nesting too deep is refused by
the parser itself (mail-parser's guard) and quarantined with its reason.
"""

from __future__ import annotations

import re

from maild.errors import Quarantine
from maild.pipeline.context import MailContext

BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.IGNORECASE)
HEADER_END = re.compile(rb"\r?\n\r?\n")
DELIMITER_LINE = re.compile(rb"(?m)^--([^\r\n]{1,200}?)[ \t]*\r?$")


def check_limits(ctx: MailContext) -> None:
    limits = ctx.settings.config.main.limits
    content = ctx.content
    if len(content) > limits.max_message_bytes:
        raise Quarantine(f"message is {len(content)} bytes, over the limit of {limits.max_message_bytes}")
    end = HEADER_END.search(content)
    header_bytes = end.start() if end else len(content)
    if header_bytes > limits.max_header_bytes:
        raise Quarantine(f"header block is {header_bytes} bytes, over the limit of {limits.max_header_bytes}")
    parts = count_parts(content)
    if parts > limits.max_parts:
        raise Quarantine(f"message has {parts} MIME parts, over the limit of {limits.max_parts}")


def count_parts(content: bytes) -> int:
    """Delimiter lines of every declared boundary (closing ones excluded), in one pass."""
    boundaries = {m.group(1) or m.group(2) for m in BOUNDARY.finditer(content)}
    return sum(1 for m in DELIMITER_LINE.finditer(content) if m.group(1) in boundaries)

"""The plain text of an HTML part, laid out as a text client would: one line per paragraph or
break, and quoted history (`<blockquote>`, Yahoo's quote container) marked with `>`, so the quote
stripping reads an HTML-only reply the way it reads a text one."""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIPPED = {"script", "style", "head", "title"}
BLOCKS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr",
          "pre", "address", "center", "dl", "dt", "dd", "section", "article", "header", "footer",
          "blockquote"}
QUOTE_CLASSES = {"yahoo_quoted"}  # the whole history, its attribution included
VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base"}
SPACE = re.compile(r"[ \t\r\n\f]+")  # HTML's white space: not the no-break space
MAX_MARKS = 8  # quote marks written at most: hostile nesting must not grow every line


class _Layout(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line: list[str] = []
        self._depth = 0  # quote nesting of the line being written
        self._open: list[tuple[str, bool, set[str]]] = []  # tag, opened a quote, its classes
        self._counts: dict[str, int] = {}  # open tags by name, so deep nesting costs no scans
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1
            return
        if tag == "body":
            self._skip = 0  # a head left open ends where the body starts, as browsers read it
        if tag == "br":
            self._flush(keep_empty=True)
        elif tag in BLOCKS:
            self._flush()
        if tag in VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        quote = tag == "blockquote" or bool(classes & QUOTE_CLASSES)
        self._depth += quote
        self._open.append((tag, quote, classes))
        self._counts[tag] = self._counts.get(tag, 0) + 1
        if tag == "li":
            self._line.append("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and tag not in SKIPPED:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self._skip = max(0, self._skip - 1)
            return
        if not self._counts.get(tag):
            return  # a stray end tag closes nothing
        while self._open:
            open_tag, quote, classes = self._open.pop()
            self._counts[open_tag] -= 1
            if open_tag in BLOCKS or quote:
                self._flush(keep_empty=self._only_no_break_spaces(), raw=open_tag == "pre")
            self._depth -= quote
            if open_tag == tag:
                break
        if tag == "p" and "MsoNormal" not in classes:
            self._blank()  # a paragraph's margin; Outlook's have none
        elif tag in ("td", "th"):
            self._line.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._line.append(data if self._in("pre") else SPACE.sub(" ", data))

    def close(self) -> None:
        super().close()
        self._flush()

    def _in(self, tag: str) -> bool:
        return self._counts.get(tag, 0) > 0

    def _only_no_break_spaces(self) -> bool:
        text = "".join(self._line)
        return bool(text) and not text.strip(" \t\r\n\f\u00a0") and "\u00a0" in text

    def _flush(self, keep_empty: bool = False, raw: bool = False) -> None:
        text = "".join(self._line)
        self._line = []
        raw = raw or self._in("pre")
        for n, line in enumerate(text.split("\n")):  # only <pre> keeps newlines
            line = line.rstrip() if raw else line.strip(" \t\u00a0")
            if line or keep_empty or n:
                self.lines.append((self._marks() + line).rstrip())

    def _blank(self) -> None:
        if self.lines and self.lines[-1].strip("> "):
            self.lines.append(self._marks().rstrip())

    def _marks(self) -> str:
        return "> " * min(self._depth, MAX_MARKS)


def html_to_text(html: str) -> str:
    """Plain text of an HTML part, for storing and quote stripping (never rendered as HTML)."""
    layout = _Layout()
    layout.feed(html)
    layout.close()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(layout.lines)).strip("\n")

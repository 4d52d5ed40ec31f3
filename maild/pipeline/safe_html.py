"""The HTML part maild passes on (a customer's to staff, a staff answer's to the customer): the
new part of the mail only, made safe to open.

Quoted history is cut where common clients mark it (Gmail's `div.gmail_quote`, Thunderbird's and
Apple Mail's `blockquote type=cite`, Outlook's `divRplyFwdMsg` and border-top separator); a
forwarded mail is content and stays, and when the cut would leave nothing, the mail stays whole.
Then nh3 (ammonia) keeps a whitelist: no scripts, event handlers, forms or styles sheets, and
nothing that is fetched when the mail is opened (images only by cid:, no CSS url()).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
# Inline styles may keep these properties: none of them takes a url().
STYLE_PROPERTIES = {
    "color", "background-color", "font-family", "font-size", "font-style", "font-weight",
    "text-align", "text-decoration", "vertical-align", "white-space", "border", "border-top",
    "border-bottom", "border-left", "border-right", "border-collapse", "border-color",
    "border-style", "border-width", "padding", "padding-left", "padding-right", "padding-top",
    "padding-bottom", "margin", "margin-left", "margin-right", "margin-top", "margin-bottom",
    "width", "height", "line-height", "list-style-type",
}
ATTRIBUTES = {**{tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
              "*": {"style", "dir", "lang", "title", "align"},
              "img": {"src", "alt", "width", "height"},
              "table": {"border", "cellpadding", "cellspacing", "width"},
              "td": {"colspan", "rowspan", "width", "valign"},
              "th": {"colspan", "rowspan", "width"},
              "font": {"color", "size", "face"}}
TAGS = set(nh3.ALLOWED_TAGS) | {"font"}
FORWARD = re.compile(r"forwarded message|original message|begin forwarded message|"
                     r"subject:\s*(fw|fwd|wg|tr|rv|vs)\s*:", re.IGNORECASE)
OUTLOOK_SEPARATOR = re.compile(r"border-top:\s*solid\s+#(e1e1e1|b5c4df)", re.IGNORECASE)


def safe_html(html: str) -> str:
    """`html` with only what is safe to show: see the module's docstring."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, attribute_filter=_attribute,
                     url_schemes={"http", "https", "mailto", "cid"}, strip_comments=True,
                     link_rel="noopener noreferrer nofollow",
                     filter_style_properties=STYLE_PROPERTIES)


def new_html(html: str, leading: Callable[[str], bool] | None = None) -> str | None:
    """The safe HTML of a mail without its quoted history, and without leading lines `leading`
    accepts (a staff reply's command lines); None when no text is left to show."""
    kept = without_quoted_history(html)
    if leading is not None:
        kept = _without_leading(kept, leading)
    cleaned = safe_html(kept)
    return cleaned if visible_text(cleaned).strip() else None


def _attribute(tag: str, attribute: str, value: str) -> str | None:
    """Images come from the mail itself or not at all: a remote one tells the sender the mail was
    opened, and by whom."""
    if tag == "img" and attribute == "src" and not value.lower().startswith("cid:"):
        return None
    if attribute == "style" and "url(" in value.lower().replace(" ", ""):
        return None
    return value


@dataclass
class _Open:
    tag: str
    start: int
    cut: bool  # the element is quoted history, up to its own end tag


class _Marks(HTMLParser):
    """Where the quoted history is in an HTML source: spans to cut, and the offset from which
    all the rest is history (Outlook puts no end around what it quotes)."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.stack: list[_Open] = []
        self.spans: list[tuple[int, int]] = []
        self.rest_from: int | None = None

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.rest_from is not None or tag in VOID:
            return
        start, values = self.position(), {k: (v or "") for k, v in attrs}
        inside_cut = any(item.cut for item in self.stack)
        if not inside_cut and _starts_rest(tag, values) and not self._forward(start):
            self.rest_from = start
            return
        self.stack.append(_Open(tag, start, not inside_cut and _is_quote(tag, values)))

    def handle_endtag(self, tag: str) -> None:
        if self.rest_from is not None or not any(item.tag == tag for item in self.stack):
            return
        while self.stack:
            item = self.stack.pop()
            if item.tag == tag:
                break
        if item.cut:
            end = self.source.find(">", self.position()) + 1 or len(self.source)
            if not self._forward(item.start, end):
                self.spans.append((item.start, end))

    def _forward(self, start: int, end: int | None = None) -> bool:
        """A forwarded mail is content, not history."""
        window = self.source[start:end if end is not None else start + 3000][:3000]
        return bool(FORWARD.search(visible_text(window)))


def _is_quote(tag: str, values: dict[str, str]) -> bool:
    classes = values.get("class", "").split()
    return ((tag == "div" and ("gmail_quote" in classes or "moz-cite-prefix" in classes
                               or "yahoo_quoted" in classes))
            or (tag == "blockquote" and values.get("type", "").lower() == "cite"))


def _starts_rest(tag: str, values: dict[str, str]) -> bool:
    return tag == "div" and (values.get("id") in ("divRplyFwdMsg", "appendonsend")
                             or bool(OUTLOOK_SEPARATOR.search(values.get("style", ""))))


def without_quoted_history(html: str) -> str:
    """`html` without the parts common clients mark as quoted; whole when that leaves no text."""
    marks = _Marks(html)
    marks.feed(html)
    marks.close()
    if not marks.spans and marks.rest_from is None:
        return html
    end = marks.rest_from if marks.rest_from is not None else len(html)
    kept, position = [], 0
    for start, stop in sorted(marks.spans):
        if start >= end:
            break
        if start >= position:
            kept.append(html[position:start])
            position = stop
    kept.append(html[position:end])
    result = "".join(kept)
    return result if visible_text(result).strip() else html


class _Leading(HTMLParser):
    """The source spans of the text at the start of an HTML mail that `leading` accepts."""

    def __init__(self, source: str, leading: Callable[[str], bool]) -> None:
        super().__init__(convert_charrefs=False)
        self.source, self.leading = source, leading
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.spans: list[tuple[int, int]] = []
        self.done = False
        self.skipping = 0  # inside head, style, script, title: not shown

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.skipping += tag in ("head", "style", "script", "title")

    def handle_endtag(self, tag: str) -> None:
        self.skipping -= tag in ("head", "style", "script", "title") and self.skipping > 0

    def handle_data(self, data: str) -> None:
        if self.done or self.skipping or not data.strip():
            return
        if all(self.leading(line.strip()) for line in data.splitlines() if line.strip()):
            start = self.position()
            self.spans.append((start, start + len(data)))
        else:
            self.done = True

    def handle_entityref(self, name: str) -> None:
        if name != "nbsp":
            self.done = True

    def handle_charref(self, name: str) -> None:
        self.done = True


def _without_leading(html: str, leading: Callable[[str], bool]) -> str:
    finder = _Leading(html, leading)
    finder.feed(html)
    finder.close()
    for start, stop in reversed(finder.spans):
        html = html[:start] + html[stop:]
    return html


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html: str) -> str:
    """The text of an HTML fragment, roughly, to tell whether anything is left to read."""
    reader = _Text()
    reader.feed(re.sub(r"(?is)<(style|script|head|title)\b.*?</\1\s*>", " ", html))
    reader.close()
    return " ".join("".join(reader.parts).split())

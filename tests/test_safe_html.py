"""The HTML maild passes on: quoted history cut where clients mark it, nothing unsafe left.

One test per class of markup (how a client marks its quote, each kind of unsafe content), not
per fixture; the structures are those the clients write.
"""

from __future__ import annotations

import re

import pytest

from maild.pipeline.commands import COMMAND_LINE
from maild.pipeline.safe_html import new_html, safe_html, without_quoted_history

NEW = "<p>The export still fails after the update.</p>"

QUOTED = {
    "gmail": ('<div dir="ltr">{new}</div><br><div class="gmail_quote">'
              '<div dir="ltr" class="gmail_attr">On Mon, 23 Nov 2026 at 10:02, '
              'Helpdesk &lt;h@example.com&gt; wrote:<br></div>'
              '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">'
              'OLD We received your request</blockquote></div>'),
    "thunderbird": ('<html><body><p>{new}</p><div class="moz-cite-prefix">'
                    'On 23/11/2026 10:02, Helpdesk wrote:<br></div>'
                    '<blockquote type="cite" cite="mid:x@example.com">OLD We received'
                    '</blockquote></body></html>'),
    "apple": ('<html><body dir="auto">{new}<div><br><blockquote type="cite">'
              '<div>On 23 Nov 2026, at 10:02, Helpdesk wrote:</div>'
              '<br class="Apple-interchange-newline"><div>OLD We received</div>'
              '</blockquote></div></body></html>'),
    "outlook web": ('<div>{new}</div><div id="appendonsend"></div>'
                    '<hr style="display:inline-block"><div id="divRplyFwdMsg" dir="ltr">'
                    '<font face="Calibri"><b>From:</b> Helpdesk<br>'
                    '<b>Subject:</b> Re: [#1] Export</font></div><div>OLD We received</div>'),
    "outlook desktop": ('<html><body><div class="WordSection1"><p class="MsoNormal">{new}</p>'
                        '<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;'
                        'padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>From:</b> Helpdesk'
                        '<br><b>Sent:</b> Monday</p></div></div>'
                        '<p class="MsoNormal">OLD We received</p></div></body></html>'),
}


@pytest.mark.parametrize("client", QUOTED)
def test_quoted_history_is_cut_as_each_client_marks_it(client: str) -> None:
    kept = new_html(QUOTED[client].format(new=NEW))
    assert kept is not None and "The export still fails after the update." in kept
    assert "OLD" not in kept and "wrote:" not in kept and "From:" not in kept


FORWARDS = [
    '<div class="gmail_quote"><div class="gmail_attr">---------- Forwarded message ---------'
    '<br>From: Ops</div>FWD body</div>',
    '<blockquote type="cite"><div>Begin forwarded message:</div>FWD body</blockquote>',
    '<div id="divRplyFwdMsg"><b>From:</b> Ops<br><b>Subject:</b> FW: outage</div>'
    '<div>FWD body</div>',
]


@pytest.mark.parametrize("marker", FORWARDS)
def test_a_forwarded_mail_is_content_and_stays(marker: str) -> None:
    kept = new_html(f"<p>FYI, see below.</p>{marker}")
    assert kept is not None and "FYI" in kept and "FWD body" in kept


def test_when_everything_is_quoted_the_mail_stays_whole() -> None:
    only = '<blockquote type="cite">Customer words in a quote</blockquote>'
    assert without_quoted_history(only) == only
    assert "Customer words" in (new_html(only) or "")


def test_a_nested_quote_inside_the_new_text_is_not_mistaken_for_the_end() -> None:
    html = ('<div>Before <blockquote type="cite">inline quote</blockquote> after</div>'
            '<div class="gmail_quote">OLD</div>')
    kept = without_quoted_history(html)
    assert "Before" in kept and "after" in kept and "OLD" not in kept


@pytest.mark.parametrize("unsafe, gone", [
    ("<script>alert(1)</script>", ["<script", "alert"]),
    ('<img src="x" onerror="alert(1)">', ["onerror", "alert"]),
    ('<a href="javascript:alert(1)">x</a>', ["javascript:"]),
    ('<img src="https://tracker.example/pixel.gif">', ["tracker.example"]),
    ('<link rel="stylesheet" href="https://css.example/a.css">', ["css.example", "<link"]),
    ('<style>p{background:url(https://bg.example/x)}</style>', ["bg.example", "<style"]),
    ('<p style="color:red;background-image:url(https://bg.example/x)">t</p>',
     ["bg.example", "url("]),
    ('<form action="https://evil.example/"><input name="pw"><button>Go</button></form>',
     ["<form", "<input", "<button", "evil.example"]),
    ('<iframe src="https://frame.example/"></iframe>', ["<iframe", "frame.example"]),
    ('<svg><image href="https://svg.example/x"/></svg>', ["svg.example"]),
    ('<object data="https://obj.example/x"></object>', ["obj.example"]),
    ('<meta http-equiv="refresh" content="0;url=https://meta.example/">', ["meta.example"]),
])
def test_nothing_runs_or_is_fetched_when_the_mail_is_opened(unsafe: str, gone: list[str]) -> None:
    cleaned = safe_html(f"<p>kept</p>{unsafe}")
    assert "kept" in cleaned
    for text in gone:
        assert text not in cleaned


def test_formatting_links_and_inline_images_survive() -> None:
    cleaned = safe_html('<table border="1"><tr><td style="color:blue">a</td></tr></table>'
                        '<a href="https://docs.example/x">docs</a>'
                        '<img src="cid:shot@dana" alt="shot">')
    assert '<td style="color:blue">a</td>' in cleaned
    assert 'href="https://docs.example/x"' in cleaned and 'src="cid:shot@dana"' in cleaned


def test_leading_command_lines_are_cut_from_a_staff_answer() -> None:
    html = "<div>#resolve</div><div>#priority 2<br>Dear Dana,</div><p>#1 is not a command here</p>"
    kept = new_html(html, leading=lambda line: bool(COMMAND_LINE.match(line)))
    assert kept is not None and "#resolve" not in kept and "#priority" not in kept
    assert "Dear Dana," in kept and "#1 is not a command here" in kept


def test_nothing_left_is_none() -> None:
    assert new_html("<div><br></div><script>x()</script>") is None
    assert new_html("<div>#close</div>", leading=lambda line: bool(re.match("#", line))) is None

"""Quote stripping by class (issue 25): each class of reply real clients send, generated over
several senders, dates and languages, rather than one fixture each. Every class has examples that
must be cut and, where a look-alike exists, examples that must be kept whole."""

from __future__ import annotations

import textwrap
from itertools import product

import pytest

from maild.pipeline.html_text import html_to_text
from maild.pipeline.quotes import new_text
from maild.pipeline.reply_lines import INVISIBLE, visible

SENDERS = [("Example Helpdesk", "helpdesk@example.com"), ("Priya Nair", "p.nair@example.com"),
           ("Олег Смирнов", "oleg@example.com"), ("Zoë O'Brien-Łukasz", "zoe.ob+help@example.com")]
NEW_TEXTS = [
    "Thanks, that fixed it.",
    "Hello,\n\nthe export still fails at 80%.\nI attach the log.\n\nRegards,\nDana",
    "Добрый день!\n\nОшибка повторяется: отчёт не выгружается.\n\nС уважением,\nИван",
    "Hallo,\n\n- Schritt 1: anmelden\n- Schritt 2: exportieren\n\nGruß\nJens",
]
OLD = "Dear customer,\n\nwe have opened ticket 4711 and will look at it today.\n\nExample Helpdesk"


def quote(text: str, marker: str = "> ") -> str:
    return "\n".join(marker + line if line else marker.rstrip() for line in text.split("\n"))


def cut(reply: str, expected: str, subject: str = "") -> None:
    assert new_text(reply, subject=subject) == expected, reply


def kept(text: str, subject: str = "") -> None:
    assert new_text(text, subject=subject) == text.strip()


# 1. A date, a time zone and a sender, no verb --------------------------------------------------
DATED = [
    "2016-03-03 17:21 GMT+01:00 {name} <{addr}>:",                     # Gmail, older, many locales
    "2025-11-28 9:05 GMT-05:00 {name} <{addr}>:",
    "пн, 3 мар. 2025 г. в 10:15, {name} <{addr}>:",                    # Gmail ru
    "вт, 14 окт. 2025 г., 08:02 {name} <{addr}>:",
    "2025年3月3日(月) 10:15 {name} <{addr}>:",                           # Gmail ja
    "03.03.2025, 10:15, \"{name}\" <{addr}>:",                          # Yandex
    "Понедельник, 3 марта 2025, 10:15 +03:00 от {name} <{addr}>:",      # Mail.ru
    "3 March 2025 10:15:02 GMT+00:00, {name} <{addr}>:",
    "* {name} <{addr}> [2025-03-03 10:15 +0000]:",                        # Mutt: sender first
    "{name} <{addr}> 2025-03-03 10:15:",
]


@pytest.mark.parametrize(("form", "sender", "new"), list(product(DATED, SENDERS[:2], NEW_TEXTS[
    :3])))
def test_a_dated_attribution_without_a_verb_is_cut_with_its_quote(form: str, sender: tuple[str,
                                                                                           str],
                                                                   new: str) -> None:
    attribution = form.format(name=sender[0], addr=sender[1])
    cut(f"{new}\n\n{attribution}\n\n{quote(OLD)}\n", new)
    cut(f"{new}\n\n{attribution}\n{quote(OLD, '>')}\n", new)


@pytest.mark.parametrize("text", [
    "Our meeting moved to Mon, 3 Mar 2025 at 10:15 with dana@uni.example:\n- agenda\n- minutes",
    "Dana Fox\nHead of Finance\ndana@fox.example, office hours 09:00-17:30:\nMon-Fri",
    "Please call 2025-03-03 17:21 GMT+01:00 Some One <some@one.example>:\nwe will be online.",
])
def test_a_dated_line_with_a_colon_above_no_quote_is_kept(text: str) -> None:
    kept(text)


# 2. Attributions broken over several lines, with mailto ----------------------------------------
WRAPPED = [
    "On Mon, 3 Mar 2025 at 10:15, {name} <{addr}<mailto:{addr}>>\nwrote:",
    "On 03/03/2025 10:15, {name}\n<{addr} <mailto:{addr}>> wrote:",
    "Le lun. 3 mars 2025 à 10:15, {name} <\n{addr} <mailto:{addr}>>\na écrit :",
    "Am Mo., 3. März 2025 um 10:15 Uhr schrieb {name} <\n{addr}<mailto:{addr}>>:",
    "El lun, 3 mar 2025 a las 10:15, {name} (<\n{addr}>) escribió:",
    "On Monday, 3 March 2025, {name} <{addr}\n<mailto:{addr}>> wrote:",
]


@pytest.mark.parametrize(("form", "sender", "new"), list(product(WRAPPED, SENDERS, NEW_TEXTS[:2])))
def test_an_attribution_wrapped_over_lines_with_mailto_is_cut(form: str, sender: tuple[str, str],
                                                               new: str) -> None:
    cut(f"{new}\n\n{form.format(name=sender[0], addr=sender[1])}\n\n{quote(OLD)}\n", new)


@pytest.mark.parametrize("sender", SENDERS)
def test_an_outlook_from_line_broken_inside_mailto_is_cut(sender: tuple[str, str]) -> None:
    name, addr = sender
    history = (
        f"From: {name} [mailto:\n{addr}]\nSent: 03 March 2025 10:15\nTo: Dana <dana@x.example>\n"
               f"Subject: [#4711] Export\n\n{OLD}\n")
    cut(f"{NEW_TEXTS[1]}\n\n{history}", NEW_TEXTS[1])


@pytest.mark.parametrize(("sender", "new"), list(product(SENDERS, NEW_TEXTS[:2])))
def test_an_attribution_closed_by_dashes_instead_of_a_colon_is_cut(sender: tuple[str, str],
                                                                   new: str) -> None:
    zoho = f"---- On Mon, 03 Mar 2025 10:15:00 +0000 {sender[0]} <{sender[1]}> wrote ---"
    cut(f"{new}\n\n\n{zoho}\n\n{OLD}\n", new)  # Zoho copies the history below without marks
    cut(f"{new}\n\n{zoho}\n{quote(OLD)}\n", new)


# 3. Several earlier messages quoted one after the other -----------------------------------------
ATTRIBUTIONS = ["On Tue, 4 Mar 2025 at 09:00, {name} <{addr}> wrote:",
                "Am 04.03.2025 um 09:00 schrieb {name}:",
                "04.03.2025 09:00, {name} пишет:", "2025-03-04 9:00 GMT+01:00 {name} <{addr}>:",
                "Le 04/03/2025 à 09:00, {name} a écrit :"]


@pytest.mark.parametrize(("count", "new", "bottom"), list(product([2, 3, 4], NEW_TEXTS, [False,
                                                                                         True])))
def test_several_quoted_messages_one_after_another_are_all_cut(count: int, new: str,
                                                               bottom: bool) -> None:
    blocks = []
    for n in range(count):
        name, addr = SENDERS[n % len(SENDERS)]
        blocks.append(ATTRIBUTIONS[n % len(ATTRIBUTIONS)].format(name=name, addr=addr) + "\n"
                      + quote(f"Message {n}: {OLD}") + ("\n>\n" + quote(quote("older"),
                                                                        ">") if n else ""))
    history = "\n\n".join(blocks)
    cut(f"{history}\n\n{new}\n" if bottom else f"{new}\n\n{history}\n", new)


@pytest.mark.parametrize("count", [2, 3])
def test_several_outlook_header_blocks_in_a_row_are_cut_from_the_first(count: int) -> None:
    block = ("Von: Example Helpdesk <helpdesk@example.com>\nGesendet: Montag, 3. März 2025 10:15\n"
             "An: Dana <dana@x.example>\nBetreff: AW: [#4711] Export\n\n" + OLD)
    cut(NEW_TEXTS[3] + "\n\n" + "\n\n".join([block] * count) + "\n", NEW_TEXTS[3])


# 4. Invisible characters clients leave at the end ------------------------------------------------
INVISIBLES = ["\u200b", "\ufeff", "\u00a0", "\u2060", "\u200b\u00a0", " \u200c", "\u202f", "\u00ad"]


@pytest.mark.parametrize(("tail", "new"), list(product(INVISIBLES, NEW_TEXTS)))
def test_invisible_characters_at_line_ends_and_on_empty_lines_go(tail: str, new: str) -> None:
    dressed = "\n".join(line + tail for line in new.split("\n"))
    # a space or NBSP at a line's start indents it
    lead = "".join(c for c in tail if c in INVISIBLE)
    history = f"On Mon, 3 Mar 2025, Example Helpdesk <helpdesk@example.com> wrote:\n{quote(OLD)}"
    cut(f"{lead}{dressed}\n{tail}\n{tail}\n\n{lead}{history}\n{tail}\n", new)
    cut(f"{dressed}\n{tail}\n{tail}", new)


def test_an_invisible_character_inside_a_line_stays() -> None:
    family = "Our team: \U0001F469\u200d\U0001F4BB and \U0001F468\u200d\U0001F52C."  # ZWJ sequences
    kept(family)


# 5. HTML-only replies
# ------------------------------------------------------------------------------
def outlook_html(new: str, history_div: str) -> str:
    paragraphs = "".join(f"<p class=MsoNormal>{line or '<o:p>&nbsp;</o:p>'}<o:p></o:p></p>"
                         for line in new.split("\n"))
    return (
        f"<html><head><style>p.MsoNormal{{margin:0}}</style></head><body><div class=WordSection1>"
            f"{paragraphs}{history_div}<p class=MsoNormal>Dear customer,</p><p class=MsoNormal>"
            "we have opened ticket 4711.</p></div></body></html>")


OUTLOOK_HEADERS = [
    "<hr><div id=divRplyFwdMsg dir=ltr><b>From:</b> Example Helpdesk &lt;helpdesk@example.com&gt;"
    "<br><b>Sent:</b> Monday, March 3, 2025 10:15 AM<br><b>To:</b> Dana<br><b>Subject:</b> "
    "Export</div>",
    "<div style='border:none;border-top:solid #E1E1E1 1.0pt'><p class=MsoNormal><b>Von:</b> "
    "Example Helpdesk<br><b>Gesendet:</b> Montag, 3. März 2025 10:15<br><b>An:</b> Uwe<br>"
    "<b>Betreff:</b> Datei</p></div>",
    "<div><b>От:</b> Example Helpdesk &lt;helpdesk@example.com&gt;<br>"
    "<b>Отправлено:</b> 3 марта 2025 г. 10:15<br><b>Кому:</b> Мария<br><b>Тема:</b> Счёт</div>",
]
CITED_HTML = [  # (opening, the history as a client marks it up)
    "<div dir=ltr>{new}</div><br><div class=gmail_quote><div dir=ltr class=gmail_attr>"
    "On Mon, 3 Mar 2025 at 10:15, Helpdesk &lt;<a href='mailto:h@example.com'>h@example.com</a>"
    "&gt; wrote:<br></div><blockquote class=gmail_quote style='margin:0 0 0 .8ex'>"
    "Dear customer,<br>old text</blockquote></div>",
    "<html><body>{new}<div><br><blockquote type=cite><div>On 3 Mar 2025, at 10:15, Helpdesk "
    "&lt;h@example.com&gt; wrote:</div><br><div>Dear customer,</div></blockquote></div>"
    "</body></html>",
    "<div>{new}</div><div class=moz-cite-prefix>On 03/03/2025 10:15, Helpdesk wrote:<br></div>"
    "<blockquote type=cite cite=mid:x@example.com><p>Dear customer,</p><p>old</p></blockquote>",
    "<div>{new}</div><div class=yahoo_quoted><div>On Monday, March 3, 2025, 10:15 AM GMT, Helpdesk "
    "&lt;h@example.com&gt; wrote:</div><div><div>Dear customer,</div></div></div>",
    "<div>{new}</div><blockquote style='border-left:1px solid #0857A6'>"
    "Понедельник, 3 марта 2025, 10:15 +03:00 от Helpdesk &lt;h@example.com&gt;:<br>"
    "<div>Уважаемый клиент</div></blockquote>",
]


def html_lines(new: str) -> str:
    return "".join(f"<div>{line or '<br>'}</div>" for line in new.split("\n"))


@pytest.mark.parametrize(("history", "new"), list(product(OUTLOOK_HEADERS, NEW_TEXTS)))
def test_an_outlook_html_only_reply_is_cut_at_its_header_block(history: str, new: str) -> None:
    cut(html_to_text(outlook_html(new, history)), new)


@pytest.mark.parametrize(("markup", "new"), list(product(CITED_HTML, NEW_TEXTS)))
def test_an_html_only_reply_is_cut_at_its_cited_history(markup: str, new: str) -> None:
    cut(html_to_text(markup.format(new=html_lines(new))), new)


def test_html_paragraphs_breaks_and_lists_keep_their_layout() -> None:
    html = ("<p>First paragraph<br>still first.</p><p>Second.</p><ul><li>one</li><li>two</li></ul>"
            "<table><tr><td>a</td><td>b</td></tr></table><pre>  keep\n  spacing</pre>")
    assert html_to_text(
        html) == "First paragraph\nstill first.\n\nSecond.\n\n- one\n- two\na b\n  keep\n  spacing"


@pytest.mark.parametrize("html", ["<html><head><title>Re: x<body><p>Hello</p>",
                                  "<html><head><meta charset=utf-8><style>p{}</style><body>Hello",
                                  "<head><!--[if gte mso 9]><xml><o:shapedefaults/></xml>"
                                  "<![endif]--></head><body><p class=MsoNormal>Hello</p></body>"])
def test_a_body_after_a_head_left_open_is_read(html: str) -> None:
    assert html_to_text(html) == "Hello"


def test_hostile_nesting_costs_little() -> None:
    import time
    start = time.perf_counter()
    text = html_to_text("<blockquote><div>x" * 20_000 + "</div></blockquote>" * 20_000)
    assert time.perf_counter() - start < 5 and len(text) < 20_000 * 30


# 6. A forward is content
# ---------------------------------------------------------------------------
FORWARDED = ("From: Finance Office <finance@uni.example>\nDate: Mon, 3 Mar 2025 at 09:12\n"
             "Subject: Invoice 113\nTo: Dana <dana@fox.example>\n\n"
             "The invoice has no VAT number.\n\nFinance")
FORWARD_SEPARATORS = ["---------- Forwarded message ---------",
                      "---------- Weitergeleitete Nachricht ---------",
                      "-------- Message transféré --------",
                      "-------- Пересылаемое сообщение --------",
                      "Begin forwarded message:", "Anfang der weitergeleiteten Nachricht:",
                      "---------- Mensaje reenviado ---------",
                      "----- Forwarded message from Finance Office <finance@uni.example> -----"]
NOTES = ["FYI", "FYI, see below.", "Zur Info, siehe unten.", "Для информации.", "",
         "Please see below.\n\nDana"]


@pytest.mark.parametrize(("separator", "note"), list(product(FORWARD_SEPARATORS, NOTES)))
def test_a_forwarded_message_is_kept_whole(separator: str, note: str) -> None:
    # as written
    text = f"{note}\n\n{separator}\n{FORWARDED}".strip().replace("\n\nThe", "\n\n\n\nThe")
    for subject in ("Fwd: Invoice", "WG: Rechnung", "", "Invoice"):
        kept(text, subject)


@pytest.mark.parametrize("subject", ["FW: Invoice", "Fwd: [#12] Invoice", "TR: Facture",
                                     "RV: Factura",
                                     "WG: Rechnung", "I: Fattura"])
def test_an_outlook_forward_under_original_message_is_kept(subject: str) -> None:
    text = f"Could you look at this?\n\n-----Original Message-----\n{FORWARDED}"
    kept(text, subject)


@pytest.mark.parametrize("note", ["FYI", "See below - this is what our users get.",
                                  "Forwarding this from IT."])
def test_a_short_note_saying_forward_keeps_the_mail_below_when_the_subject_is_silent(
    note: str) -> None:
    kept(f"{note}\n\n-----Original Message-----\n{FORWARDED}")


def test_a_staff_answer_never_passes_a_forward_on() -> None:
    text = f"FYI, see below.\n\n-----Original Message-----\n{FORWARDED}"
    assert new_text(text, subject="Fwd: Invoice", keep_forwards=False) == "FYI, see below."


@pytest.mark.parametrize("text", ["\u200b\n\u200b", "\u00a0\r\n\ufeff", "", " \t\n"])
def test_a_text_part_of_only_invisible_characters_is_not_text(text: str) -> None:
    assert not visible(text) and visible(text + "x")


@pytest.mark.parametrize("subject", ["RE: Invoice", "AW: Rechnung", "Re: Fwd: Invoice", ""])
def test_a_reply_above_an_original_message_is_still_cut(subject: str) -> None:
    cut(f"Thanks, I will check it.\n\n-----Original Message-----\n{FORWARDED}",
        "Thanks, I will check it.",
        subject)


def test_a_reply_to_a_quoted_forward_is_cut() -> None:
    reply = ("Leo here, I will take it.\n\n"
             "On Tue, 4 Mar 2025 at 09:02, Chris <c@x.example> wrote:\n\n"
             + quote("FYI\n\n---------- Forwarded message ---------\n" + FORWARDED) + "\n")
    cut(reply, "Leo here, I will take it.", "Re: Fwd: Invoice")


# 7. Quote markers other than ">" and re-wrapped quotes
# ---------------------------------------------
MARKERS = ["| ", "|", "C> ", "EH> ", "Helpdesk> ", "JD>"]


@pytest.mark.parametrize(("marker", "new", "attributed"), list(product(MARKERS, NEW_TEXTS, [
    True, False])))
def test_other_quote_markers_are_quotes(marker: str, new: str, attributed: bool) -> None:
    attribution = "Example Helpdesk wrote:\n" if attributed else ""
    cut(f"{new}\n\n{attribution}{quote(OLD.replace(chr(10) + chr(10), chr(10)), marker)}\n", new)
    cut(f"{new}\n\n{attribution}{quote(OLD, marker)}\n", new)  # its blank lines keep the marker
    cut(f"{attribution}{quote('Did the fix work?' + chr(10) + 'Helpdesk', marker)}\n\n{new}\n", new)


@pytest.mark.parametrize("text", [
    "Our results:\n| site | status |\n| Bath | ok |\n| York | failing |\n\nDana",
    "The log says:\nError> disk full\n\nThanks",
])
def test_look_alikes_of_quote_markers_are_kept(text: str) -> None:
    kept(text)


LONG = ("We have deployed a fix for the single sign-on problem on the staff laptops and the "
        "library machines. Please tell us whether it works for you now, and if it does not, send "
        "us the time of the failure so that we can find it in our logs.")


def rewrapped(text: str, width: int, narrower: int) -> list[str]:
    """`text` quoted at `width`, then re-wrapped by a client that wraps at `narrower`: what passed
    its width went onto a line of its own, without the marker."""
    lines = []
    for line in textwrap.wrap(text, width):
        line = "> " + line
        if len(line) <= narrower:
            lines.append(line)
        else:
            head, tail = line[:narrower + 1].rsplit(" ", 1)
            lines += [head, tail + line[narrower + 1:]]
    return lines


@pytest.mark.parametrize(("width", "narrower", "new"),
                         [(74, 72, n) for n in NEW_TEXTS[:3]] + [(78, 72, n) for n in NEW_TEXTS[:3]]
                         + [(78, 76, n) for n in NEW_TEXTS[:3]])
def test_a_quote_rewrapped_without_its_marker_is_cut(width: int, narrower: int, new: str) -> None:
    lines = rewrapped(LONG, width, narrower)
    assert any(not line.startswith(">") for line in lines)
    reply = f"{new}\n\nOn Mon, 3 Mar 2025 at 10:15, Helpdesk <h@example.com> wrote:\n" + "\n".join(
        lines)
    cut(reply + "\n> Example Helpdesk\n", new)
    cut(reply + "\n", new)


@pytest.mark.parametrize("answer", ["yes, it does.", "No.", "4.2.1", "only on Mondays"])
def test_a_short_answer_under_a_short_quoted_question_is_kept(answer: str) -> None:
    reply = f"Helpdesk wrote:\n> Does it fail every time?\n{answer}\n> Which version?\n4.2\n\nDana"
    cut(reply, f"{answer}\n\n4.2\n\nDana")


# 8. Attributions in the languages mail-parser-reply knows, and Cyrillic ---------------------------
LANGUAGE_ATTRIBUTIONS = [
    "03.03.2025 10:15, {name} пишет:",                                           # ru, Thunderbird
    "3 марта 2025 г., в 10:15, {name} <{addr}> написал(а):",                      # ru, Apple
    "пн, 3 мар. 2025 г. в 10:15, {name} <{addr}> написал:",
    "пн, 3 бер. 2025 р. о 10:15 {name} <{addr}> пише:",                          # uk, Gmail
    "Dne 03. 03. 25 v 10:15 {name} napsal(a):",                                   # cs
    "po 3. 3. 2025 v 10:15 odesílatel {name} <{addr}> napsal:",
    "Den 03.03.2025 kl. 10.15 skrev {name}:",                                     # da
    "mån 3 mars 2025 kl 10:15 skrev {name} <{addr}>:",                            # sv
    "pon., 3 mar 2025 o 10:15 {name} <{addr}> napisał(a):",                       # pl
    "Il giorno lun 3 mar 2025 alle ore 10:15 {name} <{addr}> ha scritto:",        # it
    "Op ma 3 mrt 2025 om 10:15 schreef {name} <{addr}>:",                         # nl
    "El lun, 3 mar 2025 a las 10:15, {name} (<{addr}>) escribió:",                # es
    "{name} <{addr}> 于2025年3月3日周一 10:15写道：",                                 # zh
    "2025년 3월 3일 (월) 오전 10:15, {name} <{addr}>님이 작성:",                      # ko
    "2025年3月3日(月) 10:15 {name} <{addr}>:",                                     # ja
]


@pytest.mark.parametrize(("form", "sender", "new"), list(product(LANGUAGE_ATTRIBUTIONS, SENDERS[
    1:3], NEW_TEXTS)))
def test_attributions_in_many_languages_are_cut(form: str, sender: tuple[str, str],
                                                new: str) -> None:
    cut(f"{new}\n\n{form.format(name=sender[0], addr=sender[1])}\n\n{quote(OLD)}\n", new)


@pytest.mark.parametrize("history", [
    "От: {name} <{addr}>\nОтправлено: 3 марта 2025 г. 10:15\nКому: Мария\nТема: Счёт",
    "Від: {name} <{addr}>\nНадіслано: 3 березня 2025 р. 10:15\nКому: Оксана\nТема: Доступ",
    "Od: {name} <{addr}>\nOdesláno: 3. března 2025 10:15\nKomu: Jan\nPředmět: Chyba",
    "-----Исходное сообщение-----\nОт: {name}\nДата: 3 марта 2025",
    "差出人: {name} <{addr}>\n送信日時: 2025年3月3日 10:15\n宛先: 佐藤\n件名: エラー",                   # ja
    "发件人: {name} <{addr}>\n发送时间: 2025年3月3日 10:15\n收件人: 李伟\n主题: 错误",                   # zh
    "寄件者：{name} <{addr}>\n傳送時間：2025年3月3日 上午 10:15\n收件者：陳\n主旨：錯誤",             # zh-TW
    "보낸 사람: {name} <{addr}>\n보낸 날짜: 2025년 3월 3일 월요일 오전 10:15\n받는 사람: 김\n제목: 오류",  # ko
    "Kimden: {name} <{addr}>\nGönderildi: 3 Mart 2025 Pazartesi 10:15\n"
    "Kime: Mehmet\nKonu: Hata",  # tr
])
def test_outlook_header_blocks_in_many_languages_are_cut(history: str) -> None:
    new = NEW_TEXTS[2]
    cut(f"{new}\n\n{history.format(name='Example Helpdesk', addr='helpdesk@example.com')}\n\n"
        f"{OLD}\n", new)


# 9. When unsure, keep
# --------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "As Lisa wrote on Monday: the import fails.\nOn 3 March our admin wrote to you about it too.",
    "Dana Fox <dana@fox.example>\nHead of Finance\nMobile: 07700 900123",
    "From: the finance team, with thanks.\nSent: a reminder last week.\nTo: all staff.",
    "Мы писали вам 3 марта 2025 в 10:15 (ivan@mail.example): ответа нет.",
    "I wrote:\n\nthe same thing again, please read it.",
])
def test_customer_words_that_look_like_markers_are_kept(text: str) -> None:
    kept(text)


@pytest.mark.parametrize("attribution", ["On Mon, 3 Mar 2025, Helpdesk <h@example.com> wrote:",
                                         "03.03.2025 10:15, Helpdesk пишет:",
                                         "2025-03-03 10:15 GMT+01:00 Helpdesk <h@example.com>:"])
def test_customer_text_interleaved_with_quotes_is_all_kept(attribution: str) -> None:
    reply = (f"Hi,\n\n{attribution}\n> Which version are you on?\n\n4.2.1, since last week.\n\n"
             "> Does it happen for every user?\n> And on every machine?\n\n"
             "Only for two users, on any machine.\n> Thanks\n\nDana")
    cut(reply, "Hi,\n\n4.2.1, since last week.\n\nOnly for two users, on any machine.\n\nDana")

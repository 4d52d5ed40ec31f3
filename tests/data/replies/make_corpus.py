#!/usr/bin/env python3
"""Build (and check) the reply-stripping test corpus in this folder.

Every reply below is written by hand: the new text the person typed, the
previous message they answered, and which client they used.  The client
functions reproduce the way that client lays out a reply (attribution line or
header block, quote prefix, line wrapping, mobile footer, MIME structure,
transfer encoding, headers).  See README.md for where each format comes from.

    python3 tests/data/replies/make_corpus.py          # rewrite all files, then check
    python3 tests/data/replies/make_corpus.py --check  # only check the files on disk

The script writes only into its own folder.  Output is deterministic.
"""

from __future__ import annotations

import base64
import email
import email.policy
import html
import quopri
import random
import re
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------- locale data

DOW = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "nl": ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    "sv": ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"],
    "it": ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"],
}
DOW_ABBR = {
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "de": ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."],
    "fr": ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
    "nl": ["ma", "di", "wo", "do", "vr", "za", "zo"],
    "es": ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"],
    "sv": ["mån", "tis", "ons", "tors", "fre", "lör", "sön"],
    "it": ["lun", "mar", "mer", "gio", "ven", "sab", "dom"],
}
MON = {
    "en": ["January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
           "August", "September", "Oktober", "November", "Dezember"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet",
           "août", "septembre", "octobre", "novembre", "décembre"],
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli",
           "augustus", "september", "oktober", "november", "december"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
           "agosto", "septiembre", "octubre", "noviembre", "diciembre"],
    "sv": ["januari", "februari", "mars", "april", "maj", "juni", "juli",
           "augusti", "september", "oktober", "november", "december"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
           "agosto", "settembre", "ottobre", "novembre", "dicembre"],
}
MON_ABBR = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "de": ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
           "Dez."],
    "fr": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
           "nov.", "déc."],
    "nl": ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
    "es": ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"],
    "sv": ["jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.", "nov.",
           "dec."],
    "it": ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"],
}

UTC = timezone.utc
CET = timezone(timedelta(hours=1))


def h12(d: datetime) -> str:
    hour = d.hour % 12 or 12
    return f"{hour}:{d:%M} {'AM' if d.hour < 12 else 'PM'}"


# ---------------------------------------------------------------- people

class P:
    def __init__(self, name: str, addr: str):
        self.name = name
        self.addr = addr
        self.first = name.split()[0]
        self.last = name.split()[-1]
        self.domain = addr.split("@")[1]

    def __str__(self) -> str:
        return f"{self.name} <{self.addr}>"


HELPDESK = P("Example Helpdesk", "helpdesk@example.com")
PRIYA = P("Priya Nair", "priya.nair@example.com")
BEN = P("Ben Ashworth", "ben.ashworth@example.com")
PRIYANKA = P("Priyanka Ramaswamy-Henderson", "priyanka.ramaswamy-henderson@example.com")
LUKAS = P("Lukas Brandt", "lukas.brandt@example.com")
CAMILLE = P("Camille Laurent", "camille.laurent@example.com")
JOOST = P("Joost Bakker", "joost.bakker@example.com")


# ---------------------------------------------------------------- previous messages

class Prev:
    """The message being replied to (usually from the helpdesk)."""

    def __init__(self, sender: P, to: P, date: datetime, subject: str, body: str,
                 ticket: str, cc: list[P] | None = None):
        self.sender = sender
        self.to = to
        self.date = date.replace(second=random.Random(subject + to.addr).randint(1, 59))
        self.subject = subject
        self.body = body.strip("\n")
        self.cc = cc or []
        stamp = self.date.astimezone(UTC).strftime("%Y%m%d%H%M%S")
        rnd = random.Random(subject + stamp + to.addr)
        self.msgid = f"<{stamp}.{ticket}.{rnd.getrandbits(32):08x}@helpdesk.example.com>"
        first_stamp = (date - timedelta(days=1, hours=3)).astimezone(UTC).strftime("%Y%m%d%H%M%S")
        self.refs = [f"<{first_stamp}.{rnd.getrandbits(40):010x}@{to.domain}>"]


# ---------------------------------------------------------------- text helpers

def wrap_line(line: str, width: int, split_angle: bool = False) -> list[str]:
    """Greedy word wrap of one line at spaces (Gmail / Notes style hard wrap).

    With split_angle, a "<address>" token that does not fit is split after
    the "<" (Gmail does this in long attribution lines)."""
    if len(line) <= width:
        return [line]
    words = line.split(" ")
    out: list[str] = []
    cur = ""
    for w in words:
        cand = w if not cur else cur + " " + w
        if len(cand) <= width:
            cur = cand
            continue
        if split_angle and w.startswith("<") and cur and len(cur + " <") <= width:
            out.append(cur + " <")
            cur = w[1:]
            continue
        if cur:
            out.append(cur)
        cur = w
    if cur:
        out.append(cur)
    return out


def hard_wrap(text: str, width: int) -> str:
    return "\n".join(x for line in text.split("\n") for x in wrap_line(line, width))


def flow_wrap(text: str, width: int) -> list[str]:
    """format=flowed soft wrap: every line but the last of a paragraph line
    keeps a trailing space."""
    lines = wrap_line(text, width)
    return [x + " " for x in lines[:-1]] + [lines[-1]]


def quote_gmail(text: str, width: int = 76) -> str:
    out = []
    for line in text.split("\n"):
        if line == "":
            out.append(">")
        elif line.startswith(">"):
            out.append("> " + line)
        else:
            out.extend("> " + x for x in wrap_line(line, width - 2))
    return "\n".join(out)


def quote_tb(text: str, width: int = 72) -> str:
    """Thunderbird / Roundcube (format=flowed) quoting."""
    out = []
    for line in text.split("\n"):
        if line == "":
            out.append(">")
        elif line.startswith(">"):
            out.append(">" + line)
        else:
            out.extend("> " + x for x in flow_wrap(line, width - 2))
    return "\n".join(out)


def quote_apple(text: str, blank: str = ">") -> str:
    out = []
    for line in text.split("\n"):
        if line == "":
            out.append(blank)
        elif line.startswith(">"):
            out.append("> " + line)
        else:
            out.append("> " + line)
    return "\n".join(out)


def quote_notes(text: str) -> str:
    return "\n".join(">" + line for line in text.split("\n"))


def esc(s: str) -> str:
    return html.escape(s, quote=False)


def html_br(text: str) -> str:
    return "<br>\n".join(esc(x) for x in text.split("\n"))


# ---------------------------------------------------------------- MIME helpers

def enc_words(s: str, mode: str = "Q", charset: str = "UTF-8") -> str:
    """RFC 2047 encoded words (folded) for a phrase or unstructured text."""
    if all(ord(c) < 128 for c in s):
        return s
    words = []
    if mode == "B":
        chunk = ""
        for c in s:
            if len(base64.b64encode((chunk + c).encode(charset))) > 75 - len(charset) - 7:
                words.append(chunk)
                chunk = ""
            chunk += c
        words.append(chunk)
        return "\r\n ".join(
            f"=?{charset}?B?{base64.b64encode(w.encode(charset)).decode()}?=" for w in words)
    safe = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")
    chunk = ""
    for c in s:
        if c == " ":
            e = "_"
        elif c in safe:
            e = c
        else:
            e = "".join(f"={b:02X}" for b in c.encode(charset))
        if len(chunk) + len(e) > 75 - len(charset) - 7:
            words.append(chunk)
            chunk = ""
        chunk += e
    words.append(chunk)
    return "\r\n ".join(f"=?{charset}?Q?{w}?=" for w in words)


def addr(p: P, mode: str = "Q", charset: str = "UTF-8", quote: bool = False) -> str:
    if any(ord(c) > 127 for c in p.name):
        return f"{enc_words(p.name, mode, charset)} <{p.addr}>"
    if quote or any(c in p.name for c in ',.()"'):
        return f'"{p.name}" <{p.addr}>'
    return f"{p.name} <{p.addr}>"


def rfc_date(d: datetime, pad: bool = False, suffix: str = "") -> str:
    off = d.utcoffset() or timedelta(0)
    mins = int(off.total_seconds() // 60)
    sign = "+" if mins >= 0 else "-"
    tz = f"{sign}{abs(mins) // 60:02d}{abs(mins) % 60:02d}"
    day = f"{d.day:02d}" if pad else str(d.day)
    return f"{DOW_ABBR['en'][d.weekday()]}, {day} {MON_ABBR['en'][d.month - 1]} {d.year} {d:%H:%M:%S} {tz}{suffix}"


def fold_ids(ids: list[str]) -> str:
    return "\r\n ".join(ids)


class Part:
    def __init__(self, ctype: str, text: str | None = None, charset: str = "utf-8",
                 cte: str = "7bit", params: str = "", headers_style: str = "std",
                 children: list[Part] | None = None, boundary: str = "",
                 extra: list[tuple[str, str]] | None = None, crlf_payload: bool = True,
                 cs_label: str | None = None):
        self.ctype = ctype
        self.cs_label = cs_label or charset
        self.text = text
        self.charset = charset
        self.cte = cte
        self.params = params
        self.style = headers_style
        self.children = children or []
        self.boundary = boundary
        self.extra = extra or []
        self.crlf_payload = crlf_payload

    def content_headers(self) -> list[tuple[str, str]]:
        if self.children:
            return [("Content-Type", f'{self.ctype};\r\n\tboundary="{self.boundary}"')]
        ct = f"{self.ctype}; charset={self.cs_label}{self.params}"
        if self.style == "apple":
            ct = f"{self.ctype};\r\n\tcharset={self.cs_label}{self.params}"
            hs = [("Content-Transfer-Encoding", self.cte), ("Content-Type", ct)]
        else:
            hs = [("Content-Type", ct)]
            if self.cte != "none":
                hs.append(("Content-Transfer-Encoding", self.cte))
        return hs + self.extra

    def payload(self) -> str:
        if self.children:
            out = []
            for ch in self.children:
                out.append(f"--{self.boundary}")
                out.extend(f"{k}: {v}" for k, v in ch.content_headers())
                out.append("")
                out.append(ch.payload())
            out.append(f"--{self.boundary}--")
            out.append("")
            return "\n".join(out)
        assert self.text is not None
        data = self.text.encode(self.charset)
        if self.cte == "base64":
            raw = self.text.replace("\n", "\r\n") if self.crlf_payload else self.text
            return base64.encodebytes(raw.encode(self.charset)).decode("ascii")
        if self.cte == "quoted-printable":
            return quopri.encodestring(data).decode("ascii")
        text = self.text if self.text.endswith("\n") else self.text + "\n"
        assert max(len(x.encode(self.charset)) for x in text.split(
            "\n")) <= 998, "line too long for " + self.cte
        # 7bit/8bit: the bytes are the text in its own charset (kept through the
        # final utf-8 encode with surrogateescape)
        return text.encode(self.charset).decode("utf-8", "surrogateescape")


def render(headers: list[tuple[str, str]], root: Part, crlf: bool) -> bytes:
    lines = [f"{k}: {v}" for k, v in headers]
    lines.extend(f"{k}: {v}" for k, v in root.content_headers())
    txt = "\n".join(lines) + "\n\n" + root.payload()
    # header values may carry \r\n folds; normalise everything to \n first
    txt = txt.replace("\r\n", "\n")
    if crlf:
        txt = txt.replace("\n", "\r\n")
    return txt.encode("utf-8", "surrogateescape")


# ---------------------------------------------------------------- ids, boundaries

def rng_for(name: str) -> random.Random:
    return random.Random("maild-corpus:" + name)


def hexs(r: random.Random, n: int, upper: bool = False) -> str:
    s = "".join(r.choice("0123456789abcdef") for _ in range(n))
    return s.upper() if upper else s


def alnum(r: random.Random, n: int, chars: str = "abcdefghijklmnopqrstuvwxyz0123456789") -> str:
    return "".join(r.choice(chars) for _ in range(n))


def uid(r: random.Random) -> uuid.UUID:
    return uuid.UUID(int=r.getrandbits(128), version=4)


def thread_index(r: random.Random) -> str:
    return "AQH" + base64.b64encode(bytes(r.getrandbits(8) for _ in range(27))).decode()[:40]


# ---------------------------------------------------------------- the reply spec

class Reply:
    def __init__(self, name: str, client: str, lang: str, frm: P, prev: Prev, new: str = "",
                 *, sig: str | None = None, footer: str | None = None, layout: str = "top",
                 intro: str | None = None, inline: list[tuple[str, str]] | None = None,
                 prefix: str = "Re: ", to: list[P] | None = None, cc: list[P] | None = None,
                 delay: int = 1400, **opts):
        self.name = name
        self.client = client
        self.lang = lang
        self.frm = frm
        self.prev = prev
        self.new = new.strip("\n")
        self.sig = sig
        self.footer = footer
        self.layout = layout
        self.intro = intro
        self.inline = inline or []
        self.prefix = prefix
        self.to = to or [prev.sender]
        self.cc = cc or []
        self.date = prev.date + timedelta(minutes=delay, seconds=rng_for(name).randint(0, 59))
        self.opts = opts
        self.r = rng_for(name)

    @property
    def subject(self) -> str:
        return self.prefix + self.prev.subject

    def refs(self) -> list[str]:
        return self.prev.refs + [self.prev.msgid]


# ---------------------------------------------------------------- Outlook family

OL_LABELS = {
    "en": ("From", "Sent", "To", "Cc", "Subject"),
    "de": ("Von", "Gesendet", "An", "Cc", "Betreff"),
    "fr": ("De", "Envoyé", "À", "Cc", "Objet"),
    "nl": ("Van", "Verzonden", "Aan", "CC", "Onderwerp"),
    "es": ("De", "Enviado", "Para", "CC", "Asunto"),
    "sv": ("Från", "Skickat", "Till", "Kopia", "Ämne"),
    "it": ("Da", "Inviato", "A", "Cc", "Oggetto"),
}
OL_ORIGINAL = {"en": "-----Original Message-----", "de": "-----Ursprüngliche Nachricht-----"}


def outlook_date(lang: str, d: datetime, style: str = "") -> str:
    if lang == "en" and style == "gb":
        return f"{d.day:02d} {MON['en'][d.month - 1]} {d.year} {d:%H:%M}"
    if lang == "en" and style == "mailto":  # Outlook 2010/2013: zero-padded day
        return f"{DOW['en'][d.weekday()]}, {MON['en'][d.month - 1]} {d.day:02d}, {d.year} {h12(d)}"
    if lang == "en":
        sec = f":{d:%S}" if style == "mobile" else ""
        hour = d.hour % 12 or 12
        return (f"{DOW['en'][d.weekday()]}, {MON['en'][d.month - 1]} {d.day}, {d.year} "
                f"{hour}:{d:%M}{sec} {'AM' if d.hour < 12 else 'PM'}")
    if lang == "de":
        return f"{DOW['de'][d.weekday()]}, {d.day}. {MON['de'][d.month - 1]} {d.year} {d:%H:%M}"
    if lang in ("fr", "nl", "it"):
        return f"{DOW[lang][d.weekday()]} {d.day} {MON[lang][d.month - 1]} {d.year} {d:%H:%M}"
    if lang == "es":
        return f"{DOW['es'][d.weekday()]}, {d.day} de {MON['es'][d.month - 1]} de {d.year} {d:%H:%M}"
    if lang == "sv":
        return f"den {d.day} {MON['sv'][d.month - 1]} {d.year} {d:%H:%M}"
    raise ValueError(lang)


def ol_people(ps: list[P]) -> str:
    return "; ".join(str(p) for p in ps)


def outlook_block(rep: Reply, lang: str, style: str = "", prev: Prev | None = None,
                  from_space: bool = True, bold: bool = False) -> list[str]:
    prev = prev or rep.prev
    f_, s_, t_, c_, subj_ = OL_LABELS[lang]
    sep = " : " if lang == "fr" else ": "
    if bold:
        f_, s_, t_, c_, subj_ = (f"*{x}:*" for x in (f_, s_, t_, c_, subj_))
        sep = " "
    sender = str(prev.sender)
    if style == "mailto":
        sender = f"{prev.sender.name} [mailto:{prev.sender.addr}]"
    lines = [f"{f_}{sep}{sender}{' ' if from_space else ''}",
             f"{s_}{sep}{outlook_date(lang, prev.date, style)}",
             f"{t_}{sep}{prev.to.name if style == 'mailto' else ol_people([prev.to])}"]
    if prev.cc:
        lines.append(f"{c_}{sep}{ol_people(prev.cc)}")
    lines.append(f"{subj_}{sep}{prev.subject}")
    return lines


MSO_STYLE = """<style><!--
/* Font Definitions */
@font-face
	{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face
	{font-family:Aptos;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	font-size:12.0pt;
	font-family:"Aptos",sans-serif;
	mso-ligatures:standardcontextual;}
a:link, span.MsoHyperlink
	{mso-style-priority:99;
	color:#467886;
	text-decoration:underline;}
span.EmailStyle19
	{mso-style-type:personal-reply;
	font-family:"Aptos",sans-serif;
	color:windowtext;}
.MsoChpDefault
	{mso-style-type:export-only;
	font-size:10.0pt;
	mso-ligatures:none;}
@page WordSection1
	{size:612.0pt 792.0pt;
	margin:72.0pt 72.0pt 72.0pt 72.0pt;}
div.WordSection1
	{page:WordSection1;}
--></style>"""


def mso_paras(text: str) -> str:
    out = []
    for line in text.split("\n"):
        if line == "":
            out.append("<p class=MsoNormal><o:p>&nbsp;</o:p></p>")
        else:
            out.append(f"<p class=MsoNormal>{esc(line)}<o:p></o:p></p>")
    return "\n".join(out)


def mso_block(block: list[str]) -> str:
    parts = []
    for i, line in enumerate(block):
        label, _, value = line.partition(":")
        value = value.lstrip(" ").rstrip(" ")
        label = label.rstrip(" ")
        parts.append(f"<b>{esc(label)}:</b> {esc(value)}")
    return "<br>\n".join(parts)


def outlook_html(new: str, blocks: list[tuple[list[str], str]], lang_attr: str) -> str:
    body = [mso_paras(new), "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"]
    for block, quoted in blocks:
        body.append(
            "<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>")
        body.append(f"<p class=MsoNormal>{mso_block(block)}<o:p></o:p></p>")
        body.append("</div>")
        body.append("<p class=MsoNormal><o:p>&nbsp;</o:p></p>")
        body.append(mso_paras(quoted))
    return (
        "<html xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" "
            "xmlns:w=\"urn:schemas-microsoft-com:office:word\" xmlns:m=\"http://schemas.microsoft.com/office/2004/12/omml\" "
            "xmlns=\"http://www.w3.org/TR/REC-html40\"><head>"
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
            "<meta name=\"Generator\" content=\"Microsoft Word 15 (filtered medium)\">\n"
            + MSO_STYLE + "\n</head>\n"
            f"<body lang={lang_attr} link=\"#467886\" vlink=\"#96607D\" style='word-wrap:break-word'>\n"
            "<div class=WordSection1>\n" + "\n".join(body) + "\n</div>\n</body>\n</html>\n")


def exchange_headers(rep: Reply, lang_hdr: str) -> tuple[list[tuple[str, str]], str]:
    r = rep.r
    srv = r.choice(["AM9PR07MB", "DB9PR04MB", "PAXPR08MB", "LO2P265MB", "CWLP265MB", "VI1PR06MB"])
    srv += str(r.randint(1000, 9999))
    region = {"LO2P": "GBRP265", "CWLP": "GBRP265"}.get(srv[:4], "eurprd0" + srv[7])
    msgid = f"<{srv}{hexs(r, 32, True)}@{srv}.{region}.prod.outlook.com>"
    boundary = f"_000_{srv}{hexs(r, 32, True)}{srv.lower()}{region.lower()}prodo_"
    topic = rep.prev.subject
    hs = [("From", addr(rep.frm, "B", "utf-8")),
          ("To", ", ".join(addr(p, "B", "utf-8") for p in rep.to))]
    if rep.cc:
        hs.append(("CC", ", ".join(addr(p, "B", "utf-8") for p in rep.cc)))
    hs += [("Subject", enc_words(rep.subject, "B", "utf-8")),
           ("Thread-Topic", enc_words(topic, "B", "utf-8")),
           ("Thread-Index", thread_index(r)),
           ("Date", rfc_date(rep.date)),
           ("Message-ID", msgid),
           ("References", fold_ids(rep.refs())),
           ("In-Reply-To", rep.prev.msgid),
           ("Accept-Language", f"{lang_hdr}, en-US"),
           ("Content-Language", lang_hdr),
           ("X-MS-Has-Attach", ""),
           ("X-MS-TNEF-Correlator", "")]
    return hs, boundary


def smtp_outlook_headers(rep: Reply, mailer: str, lang_hdr: str) -> tuple[list[tuple[str, str]],
                                                                          str]:
    r = rep.r
    a, b, c = hexs(r, 8), hexs(r, 8), hexs(r, 8)
    msgid = f"<0000{hexs(r, 2)}01db{hexs(r, 4)}${a}${b}$@{rep.frm.domain}>"
    boundary = f"----=_NextPart_000_{hexs(r, 4, True)}_01DB{hexs(r, 4, True)}.{c.upper()}"
    to = ", ".join(f"\"'{p.name}'\" <{p.addr}>" for p in rep.to)
    hs = [("From", addr(rep.frm, "Q", "utf-8", quote=True)),
          ("To", to),
          ("References", fold_ids(rep.refs())),
          ("In-Reply-To", rep.prev.msgid),
          ("Subject", enc_words(rep.subject, "Q", "utf-8")),
          ("Date", rfc_date(rep.date)),
          ("Message-ID", msgid),
          ("MIME-Version", "1.0"),
          ("X-Mailer", mailer),
          ("Thread-Index", thread_index(r)),
          ("Content-Language", lang_hdr)]
    return hs, boundary


def build_outlook(rep: Reply):
    """Outlook for Windows (classic, Microsoft 365 / 2016-2021)."""
    lang = rep.lang
    style = rep.opts.get("date_style", "gb" if lang == "en" else "")
    mode = rep.opts.get("mode", "html")
    blocks = rep.opts.get("blocks")  # list of (Prev, body) for forwarded chains
    if blocks is None:
        blocks = [(rep.prev, rep.prev.body)]
    plain_blocks = []
    for prev, body in blocks:
        block = outlook_block(rep, lang, style, prev=prev, bold=(mode == "gwsmo"), from_space=(
            mode != "gwsmo"))
        plain_blocks.append((block, body))
    if mode == "plain":
        parts = [rep.new, ""]
        for block, body in plain_blocks:
            parts += [OL_ORIGINAL[lang]] + block + [""] + [body, ""]
        plain = "\n".join(parts)
    elif mode == "gwsmo":
        # text/plain made by Google Workspace Sync: Gmail's converter wraps at 76
        # and renders <b>From:</b> as *From:*
        parts = [hard_wrap(rep.new, 76), "", "", " ------------------------------", ""]
        for block, body in plain_blocks:
            parts += block + ["", "", ""] + [hard_wrap(body, 76), ""]
        plain = "\n".join(parts)
    else:
        parts = [rep.new, ""]
        for block, body in plain_blocks:
            parts += block + [""] + [body, ""]
        plain = "\n".join(parts)
    lang_hdr = {"en": "en-GB", "de": "de-DE", "fr": "fr-FR", "nl": "nl-NL"}.get(lang, "en-US")
    if rep.opts.get("smtp"):
        hs, boundary = smtp_outlook_headers(rep, rep.opts.get("mailer", "Microsoft Outlook 16.0"),
                                            lang_hdr.lower())
        cte = rep.opts.get("cte", "quoted-printable")
    else:
        hs, boundary = exchange_headers(rep, lang_hdr)
        hs.append(("MIME-Version", "1.0"))
        cte = rep.opts.get("cte", "base64")
    charset = rep.opts.get("charset", "utf-8")
    if mode == "plain":
        root = Part("text/plain", plain, charset=charset, cte=cte)
        return hs, root, True, rep.new
    html_blocks = [(outlook_block(rep, lang, style, prev=p, from_space=False), b) for p,
                   b in blocks]
    htm = outlook_html(rep.new, html_blocks, lang_hdr.upper())
    root = Part("multipart/alternative", boundary=boundary, children=[
        Part("text/plain", plain, charset=charset, cte=cte),
        Part("text/html", htm, charset=charset, cte=cte)])
    return hs, root, True, hard_wrap(rep.new, 76) if mode == "gwsmo" else rep.new


def build_outlook_mac(rep: Reply):
    """Outlook for Mac: header block uses Date: ... at ..."""
    p = rep.prev
    d = p.date
    block = [f"From: {p.sender}",
             f"Date: {DOW['en'][d.weekday()]}, {d.day} {MON['en'][d.month - 1]} {d.year} at {d:%H:%M}",
             f"To: {p.to}",
             f"Subject: {p.subject}"]
    plain = "\n".join([rep.new, ""] + block + ["", p.body, ""])
    r = rep.r
    u = str(uid(r)).upper()
    boundary = f"B_{r.randint(3900000000, 3999999999)}_{r.randint(100000000, 999999999)}"
    hs = [("User-Agent", "Microsoft-MacOutlook/16.94.25021621"),
          ("Date", rfc_date(rep.date)),
          ("Subject", enc_words(rep.subject)),
          ("From", addr(rep.frm)),
          ("To", ", ".join(addr(x) for x in rep.to)),
          ("Message-ID", f"<{u}@{rep.frm.domain}>"),
          ("Thread-Topic", p.subject),
          ("References", fold_ids(rep.refs())),
          ("In-Reply-To", p.msgid),
          ("Mime-version", "1.0")]
    htm = (
        "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:w=\"urn:schemas-microsoft-com:office:word\" "
           "xmlns:m=\"http://schemas.microsoft.com/office/2004/12/omml\" xmlns=\"http://www.w3.org/TR/REC-html40\">"
           "<head><meta http-equiv=Content-Type content=\"text/html; charset=utf-8\">"
           "<meta name=Generator content=\"Microsoft Word 15 (filtered medium)\"></head>"
           "<body lang=EN-GB link=\"#467886\" vlink=\"#96607D\" style='word-wrap:break-word'>"
           f"<div class=WordSection1>{mso_paras(rep.new)}<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
           "<div id=\"mail-editor-reference-message-container\"><div>"
           "<div style='border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0cm 0cm 0cm'>"
           f"<p class=MsoNormal style='margin-bottom:12.0pt'>{mso_block(block)}<o:p></o:p></p></div>"
           f"{mso_paras(p.body)}</div></div></div></body></html>\n")
    root = Part("multipart/alternative", boundary=boundary, children=[
        Part("text/plain", plain, charset="UTF-8", cte="quoted-printable"),
        Part("text/html", htm, charset="UTF-8", cte="quoted-printable")])
    return hs, root, False, rep.new


OWA_FONT = (
    "font-family: Aptos, Aptos_EmbeddedFont, Aptos_MSFontService, Calibri, Helvetica, sans-serif; "
            "font-size: 12pt; color: rgb(0, 0, 0);")


def owa_html(new: str, block: list[str], quoted: str, footer_html: str = "") -> str:
    divs = []
    for line in new.split("\n"):
        inner = esc(line) if line else "<br>"
        divs.append(f"<div class=\"elementToProof\" style=\"{OWA_FONT}\">{inner}</div>")
    hdr = mso_block(block)
    return (
        "<html><head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n"
            "<style type=\"text/css\" style=\"display:none;\"> P {margin-top:0;margin-bottom:0;} </style>\n"
            "</head>\n<body dir=\"ltr\">\n" + "\n".join(divs) + "\n" + footer_html +
            "<div id=\"appendonsend\"></div>\n"
            "<hr style=\"display:inline-block;width:98%\" tabindex=\"-1\">\n"
            "<div id=\"divRplyFwdMsg\" dir=\"ltr\"><font face=\"Calibri, sans-serif\" style=\"font-size:11pt\" "
            f"color=\"#000000\">{hdr}</font>\n<div>&nbsp;</div>\n</div>\n"
            f"<div>{html_br(quoted)}</div>\n</body>\n</html>\n")


def build_owa(rep: Reply):
    """Outlook on the web / new Outlook for Windows (Microsoft 365)."""
    lang = rep.lang
    style = rep.opts.get("date_style", "")
    block = outlook_block(rep, lang, style, from_space=False)
    plain = "\n".join([rep.new, "", "_" * 32] + block + ["", rep.prev.body, ""])
    lang_hdr = {"en": "en-GB", "de": "de-DE", "fr": "fr-FR", "nl": "nl-NL", "es": "es-ES",
                "sv": "sv-SE", "it": "it-IT"}[lang]
    hs, boundary = exchange_headers(rep, lang_hdr)
    hs.append(("MIME-Version", "1.0"))
    htm = owa_html(rep.new, block, rep.prev.body)
    root = Part("multipart/alternative", boundary=boundary, children=[
        Part("text/plain", plain, charset="utf-8", cte="base64"),
        Part("text/html", htm, charset="utf-8", cte="base64")])
    return hs, root, True, rep.new


def build_outlook_mobile(rep: Reply):
    """Outlook for iOS / Android: footer link, underscore rule, header block."""
    lang = rep.opts.get("block_lang", "en")
    block = outlook_block(rep, lang, "mobile" if lang == "en" else "", from_space=False)
    android = rep.client == "outlookandroid"
    head = [rep.new, "", rep.footer] + ([""] if android else []) + ["_" * 32]
    plain = "\n".join(head + block + ["", rep.prev.body, ""])
    lang_hdr = {"en": "en-GB", "fr": "fr-FR", "nl": "nl-NL"}[rep.lang]
    hs, boundary = exchange_headers(rep, lang_hdr)
    hs.append(("MIME-Version", "1.0"))
    before, _, rest = rep.footer.partition("<")
    link, _, after = rest.partition(">")
    fhtml = (
        f"<div id=\"ms-outlook-mobile-signature\" dir=\"auto\"><a href=\"{link}\">{esc(before)}</a>"
             f"{esc(after)}</div>\n")
    htm = owa_html(rep.new, block, rep.prev.body, footer_html=fhtml)
    root = Part("multipart/alternative", boundary=boundary, children=[
        Part("text/plain", plain, charset="utf-8", cte="base64"),
        Part("text/html", htm, charset="utf-8", cte="base64")])
    return hs, root, True, rep.new


# ---------------------------------------------------------------- Gmail

def gmail_attr(lang: str, d: datetime, p: P, style: str = "") -> str:
    da, ma = DOW_ABBR[lang][d.weekday()], MON_ABBR[lang][d.month - 1]
    if style == "android":
        if lang == "en":
            return f"On {da}, {d.day} {ma} {d.year}, {d:%H:%M} {p.name}, <{p.addr}> wrote:"
        if lang == "de":
            return f"Am {da}, {d.day}. {ma} {d.year}, {d:%H:%M} hat {p.name} <{p.addr}> geschrieben:"
        if lang == "fr":
            return f"Le {da} {d.day} {ma} {d.year}, {d:%H:%M}, {p.name} <{p.addr}> a écrit :"
        if lang == "nl":
            return f"Op {da} {d.day} {ma}. {d.year} {d:%H:%M} schreef {p.name} <{p.addr}>:"
    if lang == "en" and style in ("us", "nnbsp"):
        hour = d.hour % 12 or 12
        sp = "\u202f" if style == "nnbsp" else " "
        return (
            f"On {da}, {ma} {d.day}, {d.year} at {hour}:{d:%M}{sp}{'AM' if d.hour < 12 else 'PM'} "
                f"{p.name} <{p.addr}> wrote:")
    if lang == "en":
        return f"On {da}, {d.day} {ma} {d.year} at {d:%H:%M}, {p.name} <{p.addr}> wrote:"
    if lang == "de":
        return f"Am {da}, {d.day}. {ma} {d.year} um {d:%H:%M} Uhr schrieb {p.name} <{p.addr}>:"
    if lang == "fr":
        return f"Le {da} {d.day} {ma} {d.year} à {d:%H:%M}, {p.name} <{p.addr}> a écrit :"
    if lang == "nl":
        return f"Op {da} {d.day} {ma} {d.year} om {d:%H:%M} schreef {p.name} <{p.addr}>:"
    if lang == "es":
        return f"El {da}, {d.day} {ma} {d.year} a las {d:%H:%M}, {p.name} (<{p.addr}>) escribió:"
    if lang == "sv":
        return f"Den {da} {d.day} {ma} {d.year} kl {d:%H:%M} skrev {p.name} <{p.addr}>:"
    if lang == "it":
        return f"Il giorno {da} {d.day} {ma} {d.year} alle ore {d:%H:%M} {p.name} <{p.addr}> ha scritto:"
    raise ValueError(lang)


def gmail_attr_html(attr: str, p: P) -> str:
    a = esc(attr)
    return a.replace(esc(f"<{p.addr}>"), f"&lt;<a href=\"mailto:{p.addr}\">{p.addr}</a>&gt;")


def gmail_divs(text: str) -> str:
    lines = text.split("\n")
    out = [esc(lines[0]) if lines[0] else "<br>"]
    for line in lines[1:]:
        out.append(f"<div>{esc(line)}</div>" if line else "<div><br></div>")
    return "".join(out)


GQ_STYLE = "margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex"


def gmail_blockquote(text: str) -> str:
    """HTML for a quoted body; lines already starting with '> ' become a nested blockquote."""
    out, nested = [], []
    for line in text.split("\n") + [None]:
        if line is not None and (line.startswith("> ") or line == ">"):
            nested.append(line[2:] if line.startswith("> ") else "")
            continue
        if nested:
            out.append(
                f"<blockquote class=\"gmail_quote\" style=\"{GQ_STYLE}\">{html_br(chr(10).join(nested))}"
                       "</blockquote>")
            nested = []
        if line is not None:
            out.append(esc(line) + "<br>")
    return f"<blockquote class=\"gmail_quote\" style=\"{GQ_STYLE}\">{''.join(out)}</blockquote>"


def build_gmail(rep: Reply):
    """Gmail web, and the Gmail apps (client gmailandroid / gmailios)."""
    style = rep.opts.get("attr_style", "gb")
    if rep.client == "gmailandroid":
        style = "android"
    p = rep.prev
    attr = gmail_attr(rep.lang, p.date, p.sender, style)
    attr_w = "\n".join(wrap_line(attr, 76, split_angle=True))
    W = 76

    def wrap(t: str) -> str:
        return hard_wrap(t, W)

    gq_open = "<div class=\"gmail_quote gmail_quote_container\"><div dir=\"ltr\" class=\"gmail_attr\">"
    attr_html = f"{gq_open}{gmail_attr_html(attr, p.sender)}<br></div>"
    if rep.layout == "inline":
        parts, hparts = [], []
        expected = []
        if rep.intro:
            parts.append(wrap(rep.intro))
            expected.append(wrap(rep.intro))
            hparts.append(f"<div dir=\"ltr\">{gmail_divs(rep.intro)}</div><br>")
        parts.append(attr_w)
        hparts.append(attr_html)
        for kind, txt in rep.inline:
            if kind == "q":
                parts.append(quote_gmail(txt))
                hparts.append(gmail_blockquote(txt))
            else:
                parts.append(wrap(txt))
                expected.append(wrap(txt))
                hparts.append(f"<div><br></div><div>{gmail_divs(txt)}</div><div><br></div>")
        plain = "\n\n".join(parts) + "\n"
        htm = "".join(hparts) + "</div>\n"
        exp = "\n\n".join(expected)
    else:
        new_w = wrap(rep.new)
        blocks = [new_w]
        hnew = f"<div dir=\"{'auto' if rep.client != 'gmail' else 'ltr'}\">{gmail_divs(rep.new)}"
        if rep.sig:
            blocks.append("-- \n" + rep.sig)
            hnew += (
                "<br clear=\"all\"><div><br></div><span class=\"gmail_signature_prefix\">-- </span><br>"
                     "<div dir=\"ltr\" class=\"gmail_signature\" data-smartmail=\"gmail_signature\">"
                     f"<div dir=\"ltr\">{html_br(rep.sig)}</div></div>")
        hnew += "</div><br>"
        blocks += [attr_w, quote_gmail(p.body)]
        plain = "\n\n".join(blocks) + "\n"
        htm = hnew + attr_html + gmail_blockquote(p.body) + "</div>\n"
        exp = new_w
    r = rep.r
    msgid = "<CA" + alnum(r, 1, "BDEFGHJKLMNOP") + alnum(
        r, 45,
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-=") + "@mail.gmail.com>"
    boundary = "000000000000" + hexs(r, 16)
    hs = [("MIME-Version", "1.0"),
          ("References", fold_ids(rep.refs())),
          ("In-Reply-To", p.msgid),
          ("From", addr(rep.frm)),
          ("Date", rfc_date(rep.date)),
          ("Message-ID", msgid),
          ("Subject", enc_words(rep.subject)),
          ("To", ", ".join(addr(x) for x in rep.to))]
    if rep.cc:
        hs.append(("Cc", ", ".join(addr(x) for x in rep.cc)))
    ascii_only = all(ord(c) < 128 for c in plain)
    cte = "none" if ascii_only else "quoted-printable"
    hcte = "none" if all(ord(c) < 128 for c in htm) and max(map(len, htm.split("\n"))) <= 76 \
        else "quoted-printable"
    root = Part("multipart/alternative", boundary=boundary, children=[
        Part("text/plain", plain, charset="utf-8", cte=cte, cs_label='"UTF-8"'),
        Part("text/html", htm, charset="utf-8", cte=hcte, cs_label='"UTF-8"')])
    return hs, root, False, exp


# ---------------------------------------------------------------- Thunderbird / Roundcube

def tb_attr(lang: str, d: datetime, p: P, style: str = "") -> str:
    if style == "roundcube":
        if lang == "de":
            return f"Am {d:%Y-%m-%d %H:%M}, schrieb {p.name}:"
        return f"On {d:%Y-%m-%d %H:%M}, {p.name} wrote:"
    if lang == "en" and style == "us":
        return f"On {d.month}/{d.day}/{d:%y} {h12(d)}, {p.name} wrote:"
    if lang == "en":
        return f"On {d:%d/%m/%Y %H:%M}, {p.name} wrote:"
    if lang == "de":
        return f"Am {d:%d.%m.%y} um {d:%H:%M} schrieb {p.name}:"
    if lang == "fr":
        return f"Le {d:%d/%m/%Y} à {d:%H:%M}, {p.name} a écrit :"
    if lang == "nl":
        return f"Op {d:%d-%m-%Y} om {d:%H:%M} schreef {p.name}:"
    raise ValueError(lang)


def tb_html_paras(text: str) -> str:
    return "".join(f"<p>{html_br(para)}</p>\n" for para in text.split("\n\n"))


def build_thunderbird(rep: Reply):
    """Thunderbird (plain text, format=flowed) and Roundcube."""
    p = rep.prev
    rc = rep.client == "roundcube"
    attr = tb_attr(rep.lang, p.date, p.sender, "roundcube" if rc else rep.opts.get("attr_style",
                                                                                   ""))
    sig = ("\n\n-- \n" + rep.sig) if rep.sig else ""
    for line in (rep.new + "\n" + (rep.intro or "") + "\n" + "\n".join(
        t for k, t in rep.inline if k == "a")).split("\n"):
        # new text must not need format=flowed soft breaks (see README)
        assert len(line) <= 72, (rep.name, line)
    if rep.layout == "inline":
        parts, expected = [], []
        if rep.intro:
            parts.append(rep.intro + "\n\n")
            expected.append(rep.intro)
        segs = []
        for kind, txt in rep.inline:
            if kind == "q":
                segs.append(quote_tb(txt))
            else:
                segs.append(txt)
                expected.append(txt)
        plain = "".join(parts) + attr + "\n" + "\n\n".join(segs) + sig + "\n"
        exp = "\n\n".join(expected)
    elif rep.layout == "bottom":
        plain = attr + "\n" + quote_tb(p.body) + "\n\n" + rep.new + sig + "\n"
        exp = rep.new
    else:
        plain = rep.new + sig + "\n\n" + attr + "\n" + quote_tb(p.body) + "\n"
        exp = rep.new
    r = rep.r
    ascii_only = all(ord(c) < 128 for c in plain)
    if rc:
        hs = [("MIME-Version", "1.0"),
              ("Date", rfc_date(rep.date, pad=True)),
              ("From", addr(rep.frm)),
              ("To", ", ".join(addr(x) for x in rep.to)),
              ("Subject", enc_words(rep.subject)),
              ("In-Reply-To", p.msgid),
              ("References", fold_ids(rep.refs())),
              ("Message-ID", f"<{hexs(r, 32)}@{rep.frm.domain}>"),
              ("X-Sender", rep.frm.addr),
              ("User-Agent", "Roundcube Webmail/1.6.9")]
        root = Part("text/plain", plain, charset="utf-8", cte="7bit" if ascii_only else "8bit",
                    cs_label="US-ASCII" if ascii_only else "UTF-8", params="; format=flowed")
        return hs, root, False, exp
    ua = rep.opts.get("ua", "Mozilla Thunderbird")
    lang_hdr = {"en": "en-GB", "de": "de-DE", "fr": "fr", "nl": "nl"}[rep.lang]
    hs = [("Message-ID", f"<{uid(r)}@{rep.frm.domain}>"),
          ("Date", rfc_date(rep.date)),
          ("MIME-Version", "1.0"),
          ("User-Agent", ua),
          ("Subject", enc_words(rep.subject)),
          ("To", ", ".join(addr(x) for x in rep.to)),
          ("References", fold_ids(rep.refs())),
          ("Content-Language", lang_hdr),
          ("From", addr(rep.frm)),
          ("In-Reply-To", p.msgid)]
    if rep.opts.get("html"):
        htm = (
            "<!DOCTYPE html>\n<html>\n  <head>\n    <meta http-equiv=\"Content-Type\" content=\"text/html; "
               "charset=UTF-8\">\n  </head>\n  <body>\n" + tb_html_paras(rep.new) +
               f"    <div class=\"moz-cite-prefix\">{esc(attr)}<br>\n    </div>\n"
               f"    <blockquote type=\"cite\" cite=\"mid:{p.msgid[1:-1]}\">{tb_html_paras(p.body)}</blockquote>\n"
               "  </body>\n</html>\n")
        boundary = "------------" + alnum(r, 24,
                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        root = Part("multipart/alternative", boundary=boundary, children=[
            Part("text/plain", plain, charset="utf-8", cte="8bit", cs_label="UTF-8",
                 params="; format=flowed"),
            Part("text/html", htm, charset="utf-8", cte="8bit", cs_label="UTF-8")])
        return hs, root, False, exp
    root = Part("text/plain", plain, charset="utf-8", cte="7bit" if ascii_only else "8bit",
                cs_label="UTF-8", params="; format=flowed")
    return hs, root, False, exp


# ---------------------------------------------------------------- Apple Mail / iOS Mail

def apple_attr(lang: str, d: datetime, p: P, style: str = "", ios: bool = False) -> str:
    if lang == "en" and style == "us":
        return f"On {MON_ABBR['en'][d.month - 1]} {d.day}, {d.year}, at {h12(d)}, {p.name} <{p.addr}> wrote:"
    if lang == "en":
        return f"On {d.day} {MON_ABBR['en'][d.month - 1]} {d.year}, at {d:%H:%M}, {p.name} <{p.addr}> wrote:"
    if lang == "de":
        return f"Am {d:%d.%m.%Y} um {d:%H:%M} schrieb {p.name} <{p.addr}>:"
    if lang == "fr":
        return f"Le {d.day} {MON['fr'][d.month - 1]} {d.year} à {d:%H:%M}, {p.name} <{p.addr}> a écrit :"
    if lang == "nl":
        comma = "" if ios else ","
        return (
            f"Op {d.day} {MON_ABBR['nl'][d.month - 1]}. {d.year}{comma} om {d:%H:%M} heeft {p.name} "
                f"<{p.addr}> het volgende geschreven:")
    if lang == "es":
        return f"El {d.day} {MON_ABBR['es'][d.month - 1]} {d.year}, a las {d:%H:%M}, {p.name} <{p.addr}> escribió:"
    if lang == "sv":
        return f"{d.day} {MON['sv'][d.month - 1]} {d.year} kl. {d:%H:%M} skrev {p.name} <{p.addr}>:"
    if lang == "it":
        return (
            f"Il giorno {d.day} {MON_ABBR['it'][d.month - 1]} {d.year}, alle ore {d:%H:%M}, {p.name} "
                f"<{p.addr}> ha scritto:")
    raise ValueError(lang)


def apple_divs(text: str) -> str:
    lines = text.split("\n")
    out = [esc(lines[0])]
    for line in lines[1:]:
        out.append(f"<div>{esc(line)}</div>" if line else "<div><br></div>")
    return "".join(out)


def build_apple(rep: Reply):
    """Apple Mail on macOS."""
    p = rep.prev
    attr = apple_attr(rep.lang, p.date, p.sender, rep.opts.get("attr_style", ""))
    qhead = "> " + attr + "\n>\n"
    if rep.layout == "inline":
        segs, expected = [], []
        if rep.intro:
            expected.append(rep.intro)
        for kind, txt in rep.inline:
            if kind == "q":
                segs.append(quote_apple(txt))
            else:
                segs.append(txt)
                expected.append(txt)
        plain = ((rep.intro + "\n\n") if rep.intro else "") + qhead + "\n\n".join(segs) + "\n"
        exp = "\n\n".join(expected)
        hbody = "".join((
            f"<blockquote type=\"cite\"><div>{html_br(t)}</div></blockquote>" if k == "q"
                         else f"<div><br></div><div>{apple_divs(t)}</div><div><br></div>")
                        for k, t in rep.inline)
        htm_inner = ((f"{apple_divs(rep.intro)}<div><br></div>" if rep.intro else "") +
                     f"<blockquote type=\"cite\"><div>{esc(attr)}</div><br class=\"Apple-interchange-newline\">"
                     "</blockquote>" + hbody)
    else:
        plain = rep.new + "\n\n" + qhead + quote_apple(p.body) + "\n"
        exp = rep.new
        htm_inner = (
            f"{apple_divs(rep.new)}<div><br><blockquote type=\"cite\"><div>{esc(attr)}</div>"
                     "<br class=\"Apple-interchange-newline\">"
                     f"<div><div>{html_br(p.body)}</div></div></blockquote></div><br>")
    r = rep.r
    u = str(uid(r)).upper()
    build = "3826.400.131.1.6"
    hs = [("From", addr(rep.frm, "Q", "utf-8")),
          ("Mime-Version", f"1.0 (Mac OS X Mail 16.0 \\({build}\\))"),
          ("Subject", enc_words(rep.subject, "Q", "utf-8")),
          ("Date", rfc_date(rep.date)),
          ("In-Reply-To", p.msgid),
          ("To", ", ".join(addr(x, "Q", "utf-8") for x in rep.to)),
          ("References", fold_ids(rep.refs())),
          ("Message-Id", f"<{u}@{rep.frm.domain}>"),
          ("X-Mailer", f"Apple Mail (2.{build})")]
    if rep.opts.get("plain_only"):
        root = Part("text/plain", plain, charset="utf-8", cte="quoted-printable",
                    headers_style="apple")
        return hs, root, False, exp
    htm = (
        "<html aria-label=\"message body\"><head><meta http-equiv=\"content-type\" content=\"text/html; "
           "charset=utf-8\"></head><body style=\"overflow-wrap: break-word; -webkit-nbsp-mode: space; "
           f"line-break: after-white-space;\">{htm_inner}</body></html>")
    boundary = f"Apple-Mail=_{str(uid(r)).upper()}"
    root = Part("multipart/alternative", boundary=boundary, children=[
        Part("text/plain", plain, charset="utf-8", cte="quoted-printable", headers_style="apple"),
        Part("text/html", htm, charset="utf-8", cte="quoted-printable", headers_style="apple")])
    return hs, root, False, exp


def build_ios(rep: Reply):
    """Mail on iPhone / iPad."""
    p = rep.prev
    attr = apple_attr(rep.lang, p.date, p.sender, rep.opts.get("attr_style", ""), ios=True)
    lines = p.body.split("\n")
    quoted = quote_apple(p.body, blank="> ").split("\n")
    quoted[0] = "> \ufeff" + lines[0]
    plain = (rep.new + "\n\n" + rep.footer + "\n\n" + "> " + attr + "\n> \n" + "\n".join(
        quoted) + "\n")
    divs = "".join(f"<div dir=\"ltr\">{esc(x)}</div>" if x else "<div dir=\"ltr\"><br></div>"
                   for x in rep.new.split("\n")[1:])
    htm = (
        "<html><head><meta http-equiv=\"content-type\" content=\"text/html; charset=utf-8\"></head>"
           f"<body dir=\"auto\"><div dir=\"ltr\">{esc(rep.new.split(chr(10))[0])}</div>{divs}"
           "<div dir=\"ltr\"><br id=\"lineBreakAtBeginningOfSignature\">"
           f"<div dir=\"ltr\">{esc(rep.footer)}</div><div dir=\"ltr\"><br><blockquote type=\"cite\">"
           f"{esc(attr)}<br><br></blockquote></div><blockquote type=\"cite\"><div dir=\"ltr\">\ufeff"
           f"{html_br(p.body)}</div></blockquote></div></body></html>")
    r = rep.r
    device = rep.opts.get("device", "iPhone")
    hs = [("From", addr(rep.frm, "Q", "utf-8")),
          ("Mime-Version", "1.0 (1.0)"),
          ("Date", rfc_date(rep.date)),
          ("Subject", enc_words(rep.subject, "Q", "utf-8")),
          ("Message-Id", f"<{str(uid(r)).upper()}@{rep.frm.domain}>"),
          ("References", fold_ids(rep.refs())),
          ("In-Reply-To", p.msgid),
          ("To", ", ".join(addr(x, "Q", "utf-8") for x in rep.to)),
          ("X-Mailer", f"{device} Mail (22D72)")]
    boundary = f"Apple-Mail-{str(uid(r)).upper()}"
    root = Part("multipart/alternative", boundary=boundary, children=[
        Part("text/plain", plain, charset="utf-8", cte="quoted-printable", headers_style="apple"),
        Part("text/html", htm, charset="utf-8", cte="quoted-printable", headers_style="apple")])
    return hs, root, False, rep.new


# ---------------------------------------------------------------- Samsung Email

SAMSUNG = {
    "en": ("-------- Original message --------", ("From", "Date", "To", "Subject"), ": "),
    "de": ("-------- Ursprüngliche Nachricht --------", ("Von", "Datum", "An", "Betreff"), ": "),
    "fr": ("-------- Message d'origine --------", ("De", "Date", "À", "Objet"), " : "),
    "nl": ("-------- Oorspronkelijk bericht --------", ("Van", "Datum", "Aan", "Onderwerp"), ": "),
}


def build_samsung(rep: Reply):
    p = rep.prev
    title, labels, sep = SAMSUNG[rep.lang]
    d = p.date
    off = int((d.utcoffset() or timedelta(0)).total_seconds() // 3600)
    gmt = f"(GMT{'+' if off >= 0 else '-'}{abs(off):02d}:00)"
    date = {"en": f"{d:%d/%m/%Y %H:%M}", "de": f"{d:%d.%m.%y %H:%M}", "fr": f"{d:%d/%m/%Y %H:%M}",
            "nl": f"{d:%d-%m-%Y %H:%M}"}[rep.lang]
    block = [title,
             f"{labels[0]}{sep}{p.sender} ",
             f"{labels[1]}{sep}{date} {gmt} ",
             f"{labels[2]}{sep}{p.to} ",
             f"{labels[3]}{sep}{p.subject} "]
    plain = rep.new + "\n\n" + rep.footer + "\n\n\n" + "\n".join(block) + "\n\n" + p.body + "\n"
    divs = "".join(f"<div dir=\"auto\">{esc(x)}</div>" if x else "<div dir=\"auto\"><br></div>"
                   for x in rep.new.split("\n"))
    hblock = "".join(f"<div>{esc(x.rstrip())} </div>" for x in block)
    htm = (
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\"></head>"
           f"<body>{divs}<div dir=\"auto\"><br></div><div id=\"composer_signature\" dir=\"auto\">"
           f"<div style=\"font-size:85%;color:#575757\" dir=\"auto\">{esc(rep.footer)}</div></div>"
           "<div dir=\"auto\"><br></div><div><br></div>"
           f"<div align=\"left\" dir=\"auto\" style=\"font-size:100%;color:#000000\">{hblock}<div><br></div></div>"
           f"{html_br(p.body)}</body></html>")
    r = rep.r
    ms = int(rep.date.timestamp() * 1000) + r.randint(0, 999)
    msgid = f"<{alnum(r, 24)}.{ms}@email.android.com>"
    boundary = f"--_com.samsung.android.email_{r.randint(10**17, 10**18 - 1)}"
    hs = [("Message-ID", msgid),
          ("Date", rfc_date(rep.date)),
          ("Subject", enc_words(rep.subject, "B")),
          ("From", addr(rep.frm, "B")),
          ("To", ", ".join(addr(x, "B") for x in rep.to)),
          ("MIME-Version", "1.0"),
          ("In-Reply-To", p.msgid),
          ("References", fold_ids(rep.refs())),
          ("Importance", "normal"),
          ("X-Priority", "3")]
    root = Part("multipart/alternative", boundary=boundary, children=[
        Part("text/plain", plain, charset="utf-8", cte="base64"),
        Part("text/html", htm, charset="utf-8", cte="base64")])
    return hs, root, False, rep.new


# ---------------------------------------------------------------- HCL / IBM Notes

def build_notes(rep: Reply):
    p = rep.prev
    assert all(len(x) <= 75 for x in rep.new.split("\n")), rep.name  # Notes hard-wraps at 75
    d = p.date
    r = rep.r
    if rep.opts.get("verse"):
        hdr = [f'-----"{p.sender.name}" <{p.sender.addr}> wrote: -----', "",
               f'>To: "{p.to.name}" <{p.to.addr}>',
               f'>From: "{p.sender.name}" <{p.sender.addr}>',
               f">Date: {d:%m/%d/%Y %I:%M%p}",
               f">Subject: {p.subject}",
               ">"]
        plain = rep.new + "\n\n" + "\n".join(hdr) + "\n" + quote_notes(hard_wrap(p.body, 71)) + "\n"
    elif rep.opts.get("memo_fr"):
        # classic Notes memo header, French UI (modelled on a Notes 7 message)
        hdr = [f"{p.sender.name} <{p.sender.addr}>", f"{d:%d/%m/%Y %H:%M}", "", " ",
               f"        Pour :  {p.to.name} <{p.to.addr}>",
               "        cc :    ",
               f"        Objet : {p.subject}"]
        plain = rep.new + "\n\n\n\n\n\n" + "\n".join(hdr) + "\n\n\n\n" + hard_wrap(p.body,
                                                                                   75) + "\n"
    else:
        hdr = [f'From:\t"{p.sender.name}" <{p.sender.addr}>',
               f'To:\t"{p.to.name}" <{p.to.addr}>',
               f"Date:\t{d:%d/%m/%Y %H:%M}",
               f"Subject:\t{p.subject}"]
        plain = rep.new + "\n\n\n\n" + "\n".join(hdr) + "\n\n\n\n" + hard_wrap(p.body, 75) + "\n"
    htm = ("<html><body><p><font size=\"2\">" + "<br>".join(esc(x) for x in rep.new.split("\n")) +
           "</font><br><br><br><font size=\"2\" color=\"#5F5F5F\">From:        </font><font size=\"2\">"
           f"{esc(str(p.sender))}</font><br><font size=\"2\" color=\"#5F5F5F\">To:        </font>"
           f"<font size=\"2\">{esc(str(p.to))}</font><br><font size=\"2\" color=\"#5F5F5F\">Date:        </font>"
           f"<font size=\"2\">{d:%d/%m/%Y %H:%M}</font><br><font size=\"2\" color=\"#5F5F5F\">Subject:        "
           f"</font><font size=\"2\">{esc(p.subject)}</font><br><hr width=\"100%\" size=\"2\" align=\"left\" "
           f"noshade style=\"color:#8091A5; \"><br><br><br><tt><font size=\"2\">{html_br(p.body)}</font></tt>"
           "<BR>\n</body></html>\n")
    keep = f"{hexs(r, 8, True)}:{hexs(r, 8, True)}-{hexs(r, 8, True)}:{hexs(r, 8, True)}"
    msgid = (f"<OF{hexs(r, 8, True)}.{hexs(r, 8, True)}-ON{hexs(r, 8, True)}.{hexs(r, 8, True)}-"
             f"{hexs(r, 8, True)}.{hexs(r, 8, True)}@{rep.frm.domain}>")
    tag = hexs(r, 32, True)
    boundary = f"0__={tag[:16]}8f9e8a93df938690918c{tag[:16]}"
    hs = [("MIME-Version", "1.0"),
          ("In-Reply-To", p.msgid),
          ("To", ", ".join(f'"{x.name}" <{x.addr}>' for x in rep.to)),
          ("From", f'"{rep.frm.name}" <{rep.frm.addr}>'),
          ("Date", rfc_date(rep.date)),
          ("References", fold_ids(rep.refs())),
          ("X-KeepSent", f"{keep};\r\n type=4; name=$KeepSent"),
          ("X-Mailer", "IBM Notes Release 10.0.1FP5 April 28, 2020"),
          ("Message-ID", msgid),
          ("Subject", enc_words(rep.subject, "B", "ISO-8859-1"))]
    if rep.opts.get("memo_fr"):
        hs[7] = ("X-Mailer", "Lotus Notes Release 8.5.3FP6 SHF907 April 26, 2018")
        hs[-1] = ("Subject", enc_words(rep.subject, "Q", "ISO-8859-1"))
        root = Part("text/plain", plain, charset="iso-8859-1", cte="8bit", cs_label='"iso-8859-1"')
        return hs, root, True, rep.new
    root = Part("multipart/alternative", boundary=boundary, children=[
        Part("text/plain", plain, charset="iso-8859-1", cte="quoted-printable",
             cs_label="ISO-8859-1"),
        Part("text/html", htm, charset="iso-8859-1", cte="quoted-printable",
             cs_label="ISO-8859-1")])
    return hs, root, True, rep.new


# ---------------------------------------------------------------- Yahoo Mail

def build_yahoo(rep: Reply):
    p = rep.prev
    d = p.date
    body = p.body.split("\n")
    if rep.opts.get("android"):
        attr = f"On {DOW_ABBR['en'][d.weekday()]}, {d.day} {MON_ABBR['en'][d.month - 1]} {d.year} at {d:%H:%M}, " \
               f"{p.sender.name}<{p.sender.addr}> wrote:"
        plain = (rep.new + "\n\n" + rep.footer + " \n \n  " + attr + "   " + body[0] + "\n" +
                 "\n".join(body[1:]) + "\n  \n")
    else:
        attr = (
            f"On {DOW['en'][d.weekday()]}, {d.day} {MON['en'][d.month - 1]} {d.year} at {d:%H:%M:%S} "
                f"GMT, {p.sender} wrote:")
        plain = rep.new + "\n    " + attr + "  \n \n \n" + "\n".join(
            " " + x for x in body) + "\n  \n"
    divs = "".join(f"<div dir=\"ltr\" data-setdir=\"false\">{esc(x) if x else '<br>'}</div>"
                   for x in rep.new.split("\n"))
    if rep.opts.get("android"):
        divs += ("<br><div id=\"ymail_android_signature\"><a id=\"ymail_android_signature_link\" "
                 f"href=\"https://mail.onelink.me/107872968?pid=nativeplacement\">{esc(rep.footer)}</a></div>")
    r = rep.r
    q = f"ydp{hexs(r, 8)}yahoo_quoted_{r.randint(1000000000, 9999999999)}"
    htm = ("<html><head></head><body><div class=\"ydp" + hexs(
        r, 8) + "yahoo-style-wrap\" style=\"font-family:"
           "Helvetica Neue, Helvetica, Arial, sans-serif;font-size:13px;\">" + divs + "<div><br></div></div>"
           f"<div id=\"{q}\" class=\"{q.split('_')[0]}_quoted\"><div style=\"font-family:'Helvetica Neue', "
           "Helvetica, Arial, sans-serif;font-size:13px;color:#26282a;\"><div>"
           f"{esc(attr)}</div><div><br></div><div><br></div><div><div dir=\"ltr\">{html_br(p.body)}</div></div>"
           "</div></div></body></html>")
    stamp = int(rep.date.timestamp() * 1000)
    msgid = f"<{r.randint(100000000, 2147483647)}.{r.randint(1000000, 9999999)}.{stamp}@mail.yahoo.com>"
    boundary = f"----=_Part_{r.randint(1000000, 9999999)}_{r.randint(100000000, 999999999)}.{stamp}"
    hs = [("Date", rfc_date(rep.date, suffix=" (UTC)") if rep.date.utcoffset() == timedelta(0)
           else rfc_date(rep.date)),
          ("From", addr(rep.frm)),
          ("To", ", ".join(addr(x) for x in rep.to)),
          ("Message-ID", msgid),
          ("In-Reply-To", p.msgid),
          ("References", fold_ids(rep.refs())),
          ("Subject", enc_words(rep.subject)),
          ("MIME-Version", "1.0")]
    if not rep.opts.get("android"):
        hs.append(("X-Mailer", "WebService/1.1.23369 YMailNorrin"))
    root = Part("multipart/alternative", boundary=boundary, children=[
        Part("text/plain", plain, charset="UTF-8", cte="quoted-printable"),
        Part("text/html", htm, charset="UTF-8", cte="quoted-printable")])
    return hs, root, False, rep.new


# ---------------------------------------------------------------- GroupWise

def build_groupwise(rep: Reply):
    """Micro Focus / Novell GroupWise (German UI), reply below the quote."""
    p = rep.prev
    d = p.date
    attr = (
        f'>>> "{p.sender.name}" <{p.sender.addr}> schrieb am {d:%d.%m.%Y} um {d:%H:%M} in Nachricht '
            f"{p.msgid}:")
    quoted = "\n".join("> " + x if x else ">" for x in hard_wrap(p.body, 74).split("\n"))
    plain = "\n".join(wrap_line(attr, 76)) + "\n" + quoted + "\n\n" + rep.new + "\n"
    r = rep.r
    hs = [("Message-Id",
           f"<{hexs(r, 8, True)}020000A1000{hexs(r, 5, True)}@gwsmtp.{rep.frm.domain.split('.', 1)[1]}>"),
          ("X-Mailer", "Novell GroupWise Internet Agent 18.5.1"),
          ("Date", rfc_date(rep.date, pad=True)),
          ("From", f'"{rep.frm.name}" <{rep.frm.addr}>'),
          ("To", ", ".join(f'"{x.name}" <{x.addr}>' for x in rep.to)),
          ("Subject", enc_words(rep.subject)),
          ("References", fold_ids(rep.refs())),
          ("In-Reply-To", p.msgid),
          ("Mime-Version", "1.0")]
    root = Part("text/plain", plain, charset="utf-8", cte="quoted-printable", cs_label='"UTF-8"',
                extra=[("Content-Disposition", "inline")])
    return hs, root, False, rep.new


BUILDERS = {
    "groupwise": build_groupwise,
    "outlook": build_outlook,
    "outlookmac": build_outlook_mac,
    "owa": build_owa,
    "outlookios": build_outlook_mobile,
    "outlookandroid": build_outlook_mobile,
    "gmail": build_gmail,
    "gmailandroid": build_gmail,
    "gmailios": build_gmail,
    "thunderbird": build_thunderbird,
    "roundcube": build_thunderbird,
    "apple": build_apple,
    "ios": build_ios,
    "samsung": build_samsung,
    "notes": build_notes,
    "yahoo": build_yahoo,
}


# ================================================================ the corpus
# Everything below is the hand-written content: customers, the helpdesk
# messages they answer, and what they wrote back.

def D(day: int, hh: int, mm: int, tz: timezone = UTC, month: int = 3, year: int = 2025) -> datetime:
    return datetime(year, month, day, hh, mm, tzinfo=tz)


# ---- helpdesk messages (English) -------------------------------------------

def en_export(first: str, signer: str = "Priya Nair") -> str:
    return f"""Hello {first},

Thank you for getting in touch. We have been able to reproduce the problem: the placement report export stops with "Error 500" when one of the placements in the selected year has no end date.

Could you check whether that is the case for the 2024/25 placements on your side? If it is, adding the end date should let the export run again while we work on a permanent fix.

Kind regards,
{signer}
Example Helpdesk"""


def en_fixed(first: str) -> str:
    return f"""Hello {first},

We released a fix for the export problem this morning (version 4.12.1). Could you try the placement report export again and let us know whether it works for you now?

If we don't hear from you within 7 days, we will close this ticket automatically.

Kind regards,
Priya Nair
Example Helpdesk

-- 
Example Helpdesk | Example Placement Manager
https://support.example.com"""


def en_login(first: str) -> str:
    return f"""Hi {first},

Sorry to hear you're having trouble signing in. Since the switch to the new identity provider last week, a few accounts were left linked to their old login ID.

Could you tell us:
- the exact time you last tried to log in
- the error code shown on the screen (it starts with "AUTH-")

We'll then relink your account.

Best wishes,
Ben Ashworth
Example Helpdesk"""


def en_invoice(first: str, inv: str, address: str) -> str:
    return f"""Dear {first},

Thank you for your message about invoice {inv}. We can reissue the invoice with your university's VAT number and purchase order number.

Please send us the PO number and confirm that the billing address below is correct:

{address}

Kind regards,
Example Helpdesk
Accounts team"""


def en_feature(first: str) -> str:
    return f"""Hi {first},

Thanks for the suggestion! Bulk import from a spreadsheet has been requested by several universities, and it is now on our roadmap for the summer release.

To make sure it fits your workflow: which columns would you need in the import file, and roughly how many placements do you create at the start of each term?

Best regards,
Priya Nair
Example Helpdesk"""


def en_roles(first: str, signer: str = "Ben Ashworth") -> str:
    return f"""Hi {first},

Supervisors can be added in two ways: as full staff accounts, or with the new "Placement supervisor" role. The supervisor role only gives access to the students and placements they are assigned to.

If you send us a list of names and email addresses, we can create the accounts for you, or you can add them yourself under Settings > Users.

Best wishes,
{signer}
Example Helpdesk"""


# ---- helpdesk messages (German) ---------------------------------------------

def de_export(greet: str) -> str:
    return f"""{greet}

vielen Dank für Ihre Nachricht. Wir konnten das Problem nachvollziehen: Der Export des Praktikumsberichts bricht mit „Fehler 500“ ab, wenn bei einem Praktikum im gewählten Semester das Enddatum fehlt.

Könnten Sie bitte prüfen, ob das bei Ihnen der Fall ist? Wenn Sie das Enddatum ergänzen, sollte der Export wieder funktionieren. An einer dauerhaften Lösung arbeiten wir bereits.

Mit freundlichen Grüßen
Lukas Brandt
Example Helpdesk"""


def de_fixed(greet: str) -> str:
    return f"""{greet}

wir haben heute Morgen eine Korrektur für den Export eingespielt (Version 4.12.1). Könnten Sie bitte prüfen, ob der Export des Praktikumsberichts bei Ihnen jetzt wieder funktioniert?

Mit freundlichen Grüßen
Lukas Brandt
Example Helpdesk"""


def de_login(greet: str) -> str:
    return f"""{greet}

seit der Umstellung auf den neuen Identity Provider sind einige ältere Konten noch mit der alten Kennung verknüpft. Wir haben Ihr Konto soeben neu verknüpft.

Bitte melden Sie sich einmal ab und wieder an und geben Sie uns kurz Bescheid, ob es jetzt funktioniert.

Mit freundlichen Grüßen
Lukas Brandt
Example Helpdesk"""


DE_INVOICE_Q1 = """{greet}

gerne stellen wir die Rechnung {inv} neu aus. Damit wir sie korrigieren können, benötigen wir:

1. die Bestellnummer Ihrer Hochschule"""
DE_INVOICE_Q2 = "2. die vollständige Rechnungsanschrift"
DE_INVOICE_Q3 = """Mit freundlichen Grüßen
Example Helpdesk
Buchhaltung"""


def de_invoice(greet: str, inv: str) -> str:
    return "\n".join([DE_INVOICE_Q1.format(greet=greet, inv=inv), DE_INVOICE_Q2, "", DE_INVOICE_Q3])


def de_feature(greet: str) -> str:
    return f"""{greet}

vielen Dank für Ihren Vorschlag. Ein Import von Praktika aus einer Tabelle ist für das Sommer-Release geplant.

Damit der Import zu Ihren Abläufen passt: Welche Spalten bräuchten Sie in der Importdatei, und wie viele Praktika legen Sie pro Semester ungefähr an?

Mit freundlichen Grüßen
Lukas Brandt
Example Helpdesk"""


# ---- helpdesk messages (French) ---------------------------------------------

def fr_export(greet: str) -> str:
    return f"""{greet}

Merci pour votre message. Nous avons pu reproduire le problème : l'export du rapport de stage s'arrête avec « Erreur 500 » lorsqu'un des stages de l'année sélectionnée n'a pas de date de fin.

Pourriez-vous vérifier si c'est le cas pour vos conventions 2024-2025 ? Si oui, l'ajout de la date de fin devrait permettre de relancer l'export en attendant un correctif définitif.

Bien cordialement,
Camille Laurent
Example Helpdesk"""


def fr_invoice(greet: str) -> str:
    return f"""{greet}

Suite à votre demande, vous trouverez ci-joint la facture FA-2025-0456 corrigée, avec la nouvelle adresse de facturation.

Merci de nous confirmer que l'adresse est désormais correcte.

Cordialement,
Example Helpdesk
Service comptabilité"""


def fr_login(greet: str) -> str:
    return f"""{greet}

Depuis le passage au nouveau fournisseur d'identité, certains comptes étaient encore liés à l'ancien identifiant. Nous venons de relier à nouveau votre compte.

Pouvez-vous vous déconnecter puis vous reconnecter, et nous dire si tout fonctionne ?

Bien cordialement,
Camille Laurent
Example Helpdesk"""


def fr_feature(greet: str) -> str:
    return f"""{greet}

Merci pour votre suggestion ! L'import des stages depuis un tableur est prévu pour la version d'été.

Afin qu'il corresponde à vos besoins : de quelles colonnes auriez-vous besoin, et combien de conventions créez-vous environ chaque semestre ?

Bien cordialement,
Camille Laurent
Example Helpdesk"""


# ---- helpdesk messages (Dutch) ----------------------------------------------

def nl_export(greet: str) -> str:
    return f"""{greet}

Bedankt voor je melding. We hebben het probleem kunnen reproduceren: het exporteren van het stageverslag stopt met "Fout 500" als bij een van de stages in het gekozen jaar de einddatum ontbreekt.

Kun je controleren of dat bij jullie het geval is? Als je de einddatum aanvult, zou de export weer moeten werken.

Met vriendelijke groet,
Joost Bakker
Example Helpdesk"""


def nl_login(greet: str) -> str:
    return f"""{greet}

Sinds de overstap naar de nieuwe identity provider zijn sommige oudere accounts nog gekoppeld aan hun oude inlognaam.

Kun je ons laten weten wanneer je het laatst hebt geprobeerd in te loggen en welke foutcode je te zien krijgt? Dan koppelen we je account opnieuw.

Met vriendelijke groet,
Joost Bakker
Example Helpdesk"""


NL_INVOICE_Q1 = """{greet}

Om factuur 2025-0789 opnieuw te kunnen versturen, hebben we twee gegevens nodig:

1. het inkoopordernummer van de hogeschool"""
NL_INVOICE_Q2 = "2. het juiste factuuradres"
NL_INVOICE_Q3 = """Met vriendelijke groet,
Example Helpdesk
Financiële administratie"""


def nl_invoice(greet: str) -> str:
    return "\n".join([NL_INVOICE_Q1.format(greet=greet), NL_INVOICE_Q2, "", NL_INVOICE_Q3])


def nl_feature(greet: str) -> str:
    return f"""{greet}

Bedankt voor je suggestie! Het importeren van stages vanuit een spreadsheet staat gepland voor de zomerrelease.

Welke kolommen zou je in het importbestand nodig hebben, en hoeveel stages maken jullie ongeveer per semester aan?

Met vriendelijke groet,
Joost Bakker
Example Helpdesk"""


# ---- helpdesk messages (Spanish, Swedish, Italian) --------------------------

def es_login(first: str) -> str:
    return f"""Hola, {first}:

Tras el cambio al nuevo proveedor de identidad, algunas cuentas antiguas seguían vinculadas a su usuario anterior. Acabamos de vincular de nuevo su cuenta.

¿Podría cerrar la sesión, volver a entrar y confirmarnos si ya funciona?

Un saludo,
Example Helpdesk"""


def es_export(first: str) -> str:
    return f"""Hola, {first}:

Hemos podido reproducir el problema: la exportación del informe de prácticas se detiene con «Error 500» cuando alguna de las prácticas del curso seleccionado no tiene fecha de finalización.

¿Podría comprobar si es su caso? Si añade la fecha que falta, la exportación debería funcionar de nuevo.

Un saludo,
Example Helpdesk"""


def sv_invoice(first: str) -> str:
    return f"""Hej {first},

Här kommer den rättade fakturan 2025-0311 med er nya fakturaadress.

Hör gärna av dig om något fortfarande inte stämmer.

Vänliga hälsningar
Example Helpdesk"""


def sv_login(first: str) -> str:
    return f"""Hej {first},

Efter bytet till den nya identitetsleverantören var några äldre konton fortfarande kopplade till sitt gamla användarnamn. Vi har nu kopplat om ditt konto.

Logga ut och in igen och meddela oss om det fungerar.

Vänliga hälsningar
Example Helpdesk"""


def it_invoice(first: str) -> str:
    return f"""Gentile {first},

per poter emettere nuovamente la fattura 2025-0456 abbiamo bisogno della conferma dell'indirizzo di fatturazione e del codice univoco per la fatturazione elettronica.

Cordiali saluti,
Example Helpdesk"""


def it_login(first: str) -> str:
    return f"""Gentile {first},

dopo il passaggio al nuovo provider di identità alcuni account erano ancora collegati al vecchio nome utente. Abbiamo appena ricollegato il suo account.

Può uscire, rientrare e farci sapere se ora funziona?

Cordiali saluti,
Example Helpdesk"""


S_EXPORT = "Placement report export fails"
S_LOGIN = "Cannot log in with university SSO"
S_FEATURE = "Feature request: bulk import of placements"
S_ROLES = "Adding supervisor accounts"


def prev(sender: P, to: P, date: datetime, ticket: int, subject: str, body: str,
         cc: list[P] | None = None) -> Prev:
    return Prev(sender, to, date, f"[#{ticket}] {subject}", body, str(ticket), cc)


def corpus() -> list[Reply]:
    R: list[Reply] = []
    add = R.append

    # ======================================================= Outlook for Windows
    dana = P("Dana Whitfield", "d.whitfield@northbridge.example")
    add(Reply("outlook-en-oneliner-confirmed", "outlook", "en", dana,
              prev(HELPDESK, dana, D(3, 10, 15), 1234, S_EXPORT, en_fixed("Dana")),
              "Confirmed – the export works again now, thank you.", prefix="RE: "))

    marcus = P("Marcus Okafor", "m.okafor@eastmere.example")
    add(Reply("outlook-en-multiparagraph-signature", "outlook", "en", marcus,
              prev(BEN, marcus, D(3, 14, 2), 2051, S_LOGIN, en_login("Marcus")),
              """Hi Ben,

Thanks for getting back to me so quickly.

I tried again this morning at 09:40 and got the same screen. The error code is AUTH-4012, and the message underneath says "Your account is not linked to an identity provider".

It only seems to affect staff who were created before January. Students and newer staff can log in without any problems, so I don't think it's our IdP configuration.

Could you relink all accounts from the old login IDs in one go, rather than one by one? There are about 40 of them.

Kind regards,
Marcus

Marcus Okafor
Systems Administrator | IT Services
Eastmere College
T: +44 1632 960 418""", prefix="RE: ", delay=1180))

    helen = P("Helen Carter", "h.carter@kingsford.example")
    add(Reply("outlook-en-original-message-plaintext", "outlook", "en", helen,
              prev(HELPDESK, helen, D(3, 10, 15), 3310, "Invoice INV-2025-0117: VAT number missing",
                   en_invoice("Helen", "INV-2025-0117",
                              "Finance Office\nKingsford University\n1 College Road\nKingsford KF1 2AB")),
              """Hello,

The PO number is 4500123987 and the billing address is correct.

Our VAT number is GB 123 4567 89. Please put it on the reissued invoice and send it to finance@kingsford.example as well as to me.

Regards,
Helen Carter
Finance Office, Kingsford University""", prefix="RE: ", mode="plain", smtp=True,
              cte="7bit", charset="us-ascii", date_style="gb"))

    aisha = P("Aisha Rahman", "aisha.rahman@northbridge.example")
    add(Reply("outlook-en-colon-then-lines", "outlook", "en", aisha,
              prev(PRIYA, aisha, D(4, 11, 30), 1236, S_EXPORT, en_export("Aisha")),
              """Hi Priya,

Thanks for the quick reply. Here is what we found so far:

The export works for 2023/24 but fails for 2024/25.
All 2024/25 placements have an end date, so that isn’t the cause.
The error appears after about 30 seconds, not immediately.

Is there anything else you need from us?

Best wishes,
Aisha""", prefix="RE: ", delay=95))

    james = P("James O'Connor", "j.oconnor@lakeshore.example")
    add(Reply("outlook-en-mailto-header-2013", "outlook", "en", james,
              prev(BEN, james, D(5, 9, 48), 2210, S_ROLES, en_roles("James")),
              """Hi Ben,

That’s done – I’ve sent you the list of supervisors in a separate email, because our mail filter removes attachments from replies.

Cheers,
James""", prefix="RE: ", smtp=True, mailer="Microsoft Outlook 15.0", date_style="mailto",
              cte="quoted-printable"))

    mark = P("Mark Hughes", "m.hughes@northbridge.example")
    p_fw = prev(HELPDESK, dana, D(3, 10, 15), 1234, S_EXPORT, en_export("Dana"))
    dana_fw = Prev(dana, mark, D(4, 8, 30), "FW: " + p_fw.subject,
                   "Mark, could you look at this? I think it’s one for you.\n\nDana", "1234")
    dana_fw.refs = p_fw.refs + [p_fw.msgid]
    dana_fw.msgid = "<DB9PR04MB84613C0F2E5A7D19B4C6E08AD1C92@DB9PR04MB8461.eurprd04.prod.outlook.com>"
    add(Reply("outlook-en-forwarded-then-replied", "outlook", "en", mark, dana_fw,
              """Hello,

Dana forwarded this to me as I look after the reporting side. I can confirm that every placement in 2024/25 has an end date, so that is not the problem here.

My last attempt was at 08:52 today and it failed with the same Error 500. Could you have another look?

Many thanks,
Mark Hughes
Careers and Placements""", prefix="RE: ", to=[HELPDESK], cc=[dana], delay=41,
              blocks=[(dana_fw, dana_fw.body), (p_fw, p_fw.body)]))

    rachel = P("Rachel Kim", "rachel.kim@harbourside.example")
    rachel_earlier = Prev(rachel, HELPDESK, D(28, 16, 2, month=2),
                          "[#2233] Two accounts for the same person",
                          "Hello,\n\nI seem to have two accounts, one with my old address r.kim@harbourside.example "
                          "and one with the new one. Can they be merged?\n\nThanks,\nRachel",
                          "2233")
    body = (
        "Hi Rachel,\n\nYes, we can merge the two accounts. Before we do: which of the two addresses should we "
            "keep as your login?\n\nKind regards,\nPriya Nair\nExample Helpdesk\n\n"
            + "\n".join(outlook_block(Reply("x", "outlook", "en", rachel, rachel_earlier), "en",
                                      "gb",
                                         prev=rachel_earlier))
            + "\n\n" + rachel_earlier.body)
    add(Reply("outlook-en-reply-above-thread-history", "outlook", "en", rachel,
              prev(PRIYA, rachel, D(3, 9, 5), 2233, "Two accounts for the same person", body),
              """Hi Priya,

Yes, that’s fine – please go ahead and merge the two accounts. The one to keep is rachel.kim@harbourside.example.

Thanks,
Rachel""", prefix="RE: ", delay=260))

    sophie = P("Sophie Turner", "s.turner@ashgrove.example")
    add(Reply("outlook-en-google-sync-bold-from", "outlook", "en", sophie,
              prev(HELPDESK, sophie, D(3, 10, 15), 3318, "Corrected invoice INV-2025-0124",
                   "Dear Sophie,\n\nPlease find attached the corrected invoice INV-2025-0124. It now shows your "
                   "purchase order number and the billing address of your Accounts Payable team.\n\n"
                   "Kind regards,\nExample Helpdesk\nAccounts team"),
              """Hi,

Thank you for sending the corrected invoice. I have passed it to our accounts payable team and payment should go out with the next payment run on 14 March.

Best regards,
Sophie""", prefix="RE: ", mode="gwsmo", smtp=True, date_style="us", cte="quoted-printable",
              delay=1600))

    katrin = P("Katrin Müller", "katrin.mueller@uni-rheinfeld.example")
    add(Reply("outlook-de-multiparagraph-signature", "outlook", "de", katrin,
              prev(LUKAS, katrin, D(3, 11, 15, CET), 2287,
                   "Praktikumsbericht lässt sich nicht exportieren",
                   de_export("Sehr geehrte Frau Müller,")),
              """Hallo Herr Brandt,

vielen Dank für die schnelle Rückmeldung.

Ich habe es eben noch einmal versucht: Der Export bricht weiterhin nach etwa 30 Sekunden ab, allerdings nur für das Wintersemester 2024/25. Für das Sommersemester funktioniert alles.

Alle Praktika in diesem Semester haben ein Enddatum, daran kann es also nicht liegen.

Mit freundlichen Grüßen
Katrin Müller

Praxisreferat – Universität Rheinfeld
Tel. +49 30 901820-44""", prefix="AW: ", delay=75))

    joerg = P("Jörg Weißenfels", "j.weissenfels@hs-nordheide.example")
    add(Reply("outlook-de-urspruengliche-nachricht-plaintext", "outlook", "de", joerg,
              prev(HELPDESK, joerg, D(3, 11, 15, CET), 2290, "Rechnung RE-2025-0311",
                   de_invoice("Sehr geehrter Herr Weißenfels,", "RE-2025-0311")),
              """Guten Tag,

die Bestellnummer lautet 4711-2025-083. Bitte stellen Sie die Rechnung an die folgende Adresse aus:

Hochschule Nordheide
Zentrale Beschaffung
Postfach 12 34
21000 Nordheide

Vielen Dank und freundliche Grüße
Jörg Weißenfels""", prefix="AW: ", mode="plain", smtp=True, charset="iso-8859-1",
              cte="quoted-printable", delay=300))

    stefan = P("Stefan Krüger", "stefan.krueger@uni-rheinfeld.example")
    add(Reply("outlook-de-oneliner", "outlook", "de", stefan,
              prev(LUKAS, stefan, D(6, 9, 20, CET), 2287,
                   "Praktikumsbericht lässt sich nicht exportieren",
                   de_fixed("Sehr geehrter Herr Krüger,")),
              "Funktioniert wieder – danke!", prefix="AW: ", delay=33))

    elodie = P("Élodie Marchand", "elodie.marchand@univ-valrose.example")
    add(Reply("outlook-fr-multiparagraph", "outlook", "fr", elodie,
              prev(CAMILLE, elodie, D(3, 11, 15, CET), 3120,
                   "Export du rapport de stage impossible",
                   fr_export("Bonjour Madame Marchand,")),
              """Bonjour Camille,

Merci pour votre réponse rapide.

J’ai refait l’essai ce matin : l’export échoue toujours, mais uniquement pour l’année 2024-2025. Pour 2023-2024, tout fonctionne correctement.

Toutes les conventions de stage de cette année ont bien une date de fin, le problème vient donc d’ailleurs.

Bien cordialement,
Élodie Marchand
Service des stages – Université de Valrose""", prefix="RE: ", delay=1330))

    sanne = P("Sanne de Vries", "s.devries@hogeschool-zeeland.example")
    add(Reply("outlook-nl-multiparagraph", "outlook", "nl", sanne,
              prev(JOOST, sanne, D(3, 11, 15, CET), 4420, "Inloggen via SURFconext werkt niet",
                   nl_login("Beste Sanne,")),
              """Hoi Joost,

Bedankt voor je snelle reactie.

Ik heb het net opnieuw geprobeerd via SURFconext. Na het inloggen kom ik op een lege pagina met de foutcode AUTH-4012.

Collega’s die na 1 januari zijn aangemaakt, kunnen wel gewoon inloggen. Het lijkt dus alleen oudere accounts te treffen.

Met vriendelijke groet,
Sanne de Vries
Stagebureau Hogeschool Zeeland""", prefix="RE: ", delay=52))

    ian = P("Ian Fletcher", "i.fletcher@glenmoor.example")
    add(Reply("outlookmac-en-date-at-header", "outlookmac", "en", ian,
              prev(BEN, ian, D(5, 15, 40), 2212, S_ROLES, en_roles("Ian")),
              """Hi Ben,

Quick question before I add the supervisors: do they need to be added as staff accounts first, or can I give them the supervisor role straight away?

Thanks,
Ian""", delay=70))

    # ======================================================= Outlook on the web / M365
    add(Reply("owa-en-oneliner-rule", "owa", "en", aisha,
              prev(HELPDESK, aisha, D(7, 10, 15), 1236, S_EXPORT, en_fixed("Aisha")),
              "Yes, it's working now. Thanks for your help!", prefix="RE: ", date_style="us",
              delay=2900))

    grace = P("Grace Liu", "grace.liu@eastmere.example")
    add(Reply("owa-en-details-colon", "owa", "en", grace,
              prev(BEN, grace, D(4, 13, 20), 2054, S_LOGIN, en_login("Grace")),
              """Hi Ben,

Here are the details you asked for:

Last attempt: today at 14:05
Error code: AUTH-4012
Browser: Edge on Windows 11

I also tried from home in a private window and got exactly the same result, so I don't think it's a cached session.

Thanks,
Grace""", prefix="RE: ", date_style="us", delay=55))

    anja = P("Anja Schröder", "anja.schroeder@th-altmark.example")
    add(Reply("owa-de-rule", "owa", "de", anja,
              prev(LUKAS, anja, D(4, 14, 30, CET), 2302, "Anmeldung über Shibboleth schlägt fehl",
                   de_login("Sehr geehrte Frau Schröder,")),
              """Hallo Herr Brandt,

danke, jetzt klappt die Anmeldung wieder. Ich habe mich gerade erfolgreich über Shibboleth eingeloggt und konnte alle Praktikumsberichte sehen.

Das Ticket kann von meiner Seite aus geschlossen werden.

Viele Grüße
Anja Schröder""", prefix="AW: ", delay=48))

    francois = P("François Lefèvre", "francois.lefevre@iut-beaulieu.example")
    add(Reply("owa-fr-rule", "owa", "fr", francois,
              prev(HELPDESK, francois, D(3, 11, 15, CET), 3125, "Facture FA-2025-0456",
                   fr_invoice("Bonjour Monsieur Lefèvre,")),
              """Bonjour,

Merci pour la facture corrigée. Pourriez-vous également indiquer notre numéro de bon de commande (BC-2025-1187) ? Sans ce numéro, notre service financier ne peut pas la mettre en paiement.

Cordialement,
François Lefèvre""", prefix="RE: ", delay=190))

    maarten = P("Maarten van den Berg", "m.vandenberg@uni-lindeoord.example")
    add(Reply("owa-nl-rule", "owa", "nl", maarten,
              prev(JOOST, maarten, D(5, 10, 5, CET), 4431, "Verzoek: stages in bulk importeren",
                   nl_feature("Beste Maarten,")),
              """Hallo Joost,

Goed om te horen dat dit op de planning staat.

Wij zouden in elk geval deze kolommen nodig hebben: studentnummer, stagebedrijf, begin- en einddatum en de naam van de begeleider. Per semester gaat het om ongeveer 200 stages.

Groet,
Maarten""", prefix="RE: ", delay=400))

    lucia = P("Lucía Fernández", "lucia.fernandez@univ-costaverde.example")
    add(Reply("owa-es-rule", "owa", "es", lucia,
              prev(HELPDESK, lucia, D(4, 11, 15, CET), 5102, "No puedo iniciar sesión", es_login(
                  "Lucía")),
              """Hola:

Ya he podido entrar con mi usuario de la universidad. Muchas gracias por la ayuda.

Un saludo,
Lucía""", prefix="RE: ", delay=25))

    asa = P("Åsa Lindqvist", "asa.lindqvist@hogskolan-norrvik.example")
    add(Reply("owa-sv-rule", "owa", "sv", asa,
              prev(HELPDESK, asa, D(3, 11, 15, CET), 5210, "Faktura 2025-0311", sv_invoice("Åsa")),
              """Hej!

Tack för fakturan. Kan ni skicka den till vår fakturaskanning i stället, faktura@hogskolan-norrvik.example? Vi kan inte betala fakturor som kommer till personliga adresser.

Vänliga hälsningar
Åsa Lindqvist""", prefix="SV: ", delay=130))

    # ======================================================= Outlook for iOS / Android
    tom = P("Tom Reilly", "t.reilly@glenmoor.example")
    add(Reply("outlookios-en-get-outlook-footer", "outlookios", "en", tom,
              prev(PRIYA, tom, D(3, 10, 15), 4102, S_FEATURE, en_feature("Tom")),
              "Sounds good, I'll send you a sample file on Monday.\n\nTom",
              footer="Get Outlook for iOS<https://aka.ms/o0ukef>", delay=380))

    nadia = P("Nadia Hussain", "n.hussain@kingsford.example")
    add(Reply("outlookandroid-en-download-footer", "outlookandroid", "en", nadia,
              prev(BEN, nadia, D(3, 12, 40), 2060, S_LOGIN, en_login("Nadia")),
              "Hi Ben,\n\nI'm away from my desk until Thursday but will try again as soon as I'm back.\n\nNadia",
              footer="Download Outlook for Android<https://aka.ms/ghei36>", delay=22))

    helene = P("Hélène Dubois", "helene.dubois@univ-valrose.example")
    add(Reply("outlookios-fr-telecharger-footer", "outlookios", "fr", helene,
              prev(CAMILLE, helene, D(4, 9, 30, CET), 3131, "Problème de connexion",
                   fr_login("Bonjour Madame Dubois,")),
              "Merci, c'est noté. Je vous recontacte si le problème se reproduit.\n\nHélène",
              footer="Télécharger Outlook pour iOS<https://aka.ms/o0ukef>", delay=64))

    eva = P("Eva Janssen", "eva.janssen@hogeschool-zeeland.example")
    add(Reply("outlookandroid-nl-downloaden-footer", "outlookandroid", "nl", eva,
              prev(JOOST, eva, D(4, 15, 10, CET), 4410, "Stageverslag exporteren mislukt",
                   nl_export("Beste Eva,")),
              "Top, bedankt! Ik geef het door aan mijn collega's.\n\nEva",
              footer="Outlook voor Android<https://aka.ms/AAb9ysg> downloaden", block_lang="nl",
              delay=17))

    # ======================================================= Gmail (web)
    chris = P("Chris Doyle", "c.doyle@harbourside.example")
    add(Reply("gmail-en-oneliner", "gmail", "en", chris,
              prev(HELPDESK, chris, D(3, 10, 15), 1240, S_EXPORT, en_fixed("Chris")),
              "All working now, thanks!", attr_style="nnbsp", delay=1420))

    olivia = P("Olivia Bennett", "o.bennett@st-columba-college.example")
    add(Reply("gmail-en-wrapped-attribution-multiparagraph", "gmail", "en", olivia,
              prev(PRIYANKA, olivia, D(3, 10, 15), 2221, S_ROLES,
                   en_roles("Olivia", signer="Priyanka Ramaswamy-Henderson")),
              """Hi Priyanka,

Thanks for explaining the difference between the supervisor and staff roles. That makes sense now.

We'll set up the placement supervisors with the supervisor role only, since they shouldn't see student records outside their own placements.

Could you also confirm whether supervisors get the weekly summary email by default, or whether we need to switch that on for each of them?

Best,
Olivia""", attr_style="us", delay=310))

    hannah = P("Hannah Price", "h.price@glenmoor.example")
    add(Reply("gmail-en-list-and-dashdash-signature", "gmail", "en", hannah,
              prev(PRIYA, hannah, D(4, 9, 0), 4105, S_FEATURE, en_feature("Hannah")),
              """Hi Priya,

Great to hear it's on the roadmap. To answer your questions:

We would need these columns in the import file:
- Student ID
- Placement provider
- Start date and end date
- Supervisor name and email
- Hours per week

At the start of each term we create roughly 350 placements, mostly in the first two weeks of September.

One more thing: it would help a lot if the import could also update existing placements (matched on student ID and start date) instead of only creating new ones.

Thanks,
Hannah""", sig="Hannah Price\nWork-Based Learning Team\nGlenmoor University\nhttps://www.glenmoor.example/placements",
              delay=200))

    daniel = P("Daniel Evans", "d.evans@lakeshore.example")
    add(Reply("gmail-en-inline-answers", "gmail", "en", daniel,
              prev(BEN, daniel, D(3, 10, 15), 2066, S_LOGIN, en_login("Daniel")),
              intro="Hi Ben,\n\nAnswers below.", layout="inline", inline=[
                  ("q",
                   "Hi Daniel,\n\nSorry to hear you're having trouble signing in. Since the switch to the new "
                        "identity provider last week, a few accounts were left linked to their old login ID.\n\n"
                        "Could you tell us:\n- the exact time you last tried to log in"),
                  ("a", "Today at 08:55, and again at 09:10."),
                  ("q", "- the error code shown on the screen (it starts with \"AUTH-\")"),
                  ("a", "AUTH-4012 both times."),
                  ("q",
                   "We'll then relink your account.\n\nBest wishes,\nBen Ashworth\nExample Helpdesk"),
                  ("a", "Thanks. If it helps, my old login ID was devans2.\n\nDaniel")],
              delay=90))

    monika = P("Monika Hoffmann", "m.hoffmann@hs-weserbergland.example")
    add(Reply("gmail-de-wrapped-attribution", "gmail", "de", monika,
              prev(HELPDESK, monika, D(3, 11, 15, CET), 2288,
                   "Praktikumsbericht lässt sich nicht exportieren",
                   de_export("Sehr geehrte Frau Hoffmann,")),
              """Hallo zusammen,

danke für den Hinweis mit dem fehlenden Enddatum. Das war tatsächlich die Ursache: Bei drei Praktika im Wintersemester fehlte das Datum. Nachdem ich es ergänzt habe, läuft der Export wieder.

Schöne Grüße
Monika Hoffmann""", delay=140))

    nicolas = P("Nicolas Girard", "n.girard@ecole-sup-lumiere.example")
    add(Reply("gmail-fr-list", "gmail", "fr", nicolas,
              prev(CAMILLE, nicolas, D(4, 10, 40, CET), 3140,
                   "Demande : import en masse des stages",
                   fr_feature("Bonjour Monsieur Girard,")),
              """Bonjour Camille,

Merci pour votre retour. Voici les colonnes dont nous aurions besoin :

- numéro étudiant
- entreprise d'accueil
- dates de début et de fin
- tuteur en entreprise (nom et e-mail)

Nous créons environ 150 conventions par semestre, principalement en septembre et en janvier.

Bien à vous,
Nicolas Girard""", delay=1500))

    ruud = P("Ruud Peeters", "r.peeters@hs-brabantstad.example")
    add(Reply("gmail-nl-inline-answers", "gmail", "nl", ruud,
              prev(HELPDESK, ruud, D(3, 11, 15, CET), 4415, "Factuur 2025-0789", nl_invoice(
                  "Beste Ruud,")),
              intro="Hallo,\n\nZie mijn antwoorden hieronder.", layout="inline", inline=[
                  ("q", NL_INVOICE_Q1.format(greet="Beste Ruud,")),
                  ("a", "Dat is PO-2025-00412."),
                  ("q", NL_INVOICE_Q2),
                  ("a",
                   "Hogeschool Brabantstad, t.a.v. Crediteurenadministratie, Postbus 90, 5000 AB Brabantstad."),
                  ("q", NL_INVOICE_Q3),
                  ("a", "Groeten,\nRuud")],
              delay=260))

    javier = P("Javier Ortega", "javier.ortega@univ-costaverde.example")
    add(Reply("gmail-es-wrapped-attribution", "gmail", "es", javier,
              prev(HELPDESK, javier, D(4, 11, 15, CET), 5110,
                   "Error al exportar el informe de prácticas",
                   es_export("Javier")),
              """Hola:

He revisado las prácticas del curso 2024/25 y, efectivamente, había dos sin fecha de finalización. Ya las he corregido y la exportación funciona.

Gracias por la ayuda.

Saludos,
Javier""", delay=330))

    erik = P("Erik Sjöberg", "erik.sjoberg@hogskolan-norrvik.example")
    add(Reply("gmail-sv-oneliner", "gmail", "sv", erik,
              prev(HELPDESK, erik, D(4, 11, 15, CET), 5220, "Kan inte logga in", sv_login("Erik")),
              "Hej,\n\nNu fungerar det, tack för hjälpen!\n\nMvh\nErik", delay=44))

    giulia = P("Giulia Rossi", "giulia.rossi@uni-valtellina.example")
    add(Reply("gmail-it-wrapped-attribution", "gmail", "it", giulia,
              prev(HELPDESK, giulia, D(3, 11, 15, CET), 5301, "Fattura 2025-0456", it_invoice(
                  "Giulia")),
              """Buongiorno,

vi confermo che l'indirizzo di fatturazione è corretto. Il codice univoco per la fatturazione elettronica è UFXYZ9.

Cordiali saluti,
Giulia Rossi""", delay=95))

    leo = P("Leo Grant", "l.grant@harbourside.example")
    p_orig = prev(HELPDESK, chris, D(3, 10, 15), 1240, S_EXPORT, en_export("Chris"))
    fwd_body = ("Leo, can you take a look at this one?\n\n---------- Forwarded message ---------\n"
                f"From: {HELPDESK}\nDate: Mon, Mar 3, 2025 at 10:15\u202fAM\nSubject: {p_orig.subject}\n"
                f"To: {chris}\n\n\n" + p_orig.body)
    chris_fwd = Prev(chris, leo, D(4, 9, 2), "Fwd: " + p_orig.subject, fwd_body, "1240")
    chris_fwd.refs = p_orig.refs + [p_orig.msgid]
    chris_fwd.msgid = "<CAK7mQ2fV+3xJ0pGq9Lr8hTzN4wYc1sE6dUo5bHaXk2iR_nM3vA@mail.gmail.com>"
    add(Reply("gmail-en-forwarded-then-replied", "gmail", "en", leo, chris_fwd,
              """Hi all,

I'm the one who looks after the reporting side at Harbourside, so Chris asked me to pick this up.

The export still fails for us. It stops at 80% and then shows "Error 500". I've checked, and all 2024/25 placements have an end date.

Happy to share my screen if that helps.

Leo""", to=[chris], cc=[HELPDESK], attr_style="us", delay=48))

    megan = P("Megan Ward", "m.ward@kingsford.example")
    megan_body = """Hi Megan,

Thanks for the details. In that case the missing end dates are the cause: the export skips the whole year as soon as one placement has no end date.

If you add them, the export should work again.

Kind regards,
Priya Nair
Example Helpdesk

On Fri, 28 Feb 2025 at 16:02, Megan Ward <m.ward@kingsford.example> wrote:
> Hi,
>
> The placement report for 2024/25 won't export. It just says Error 500.
> Three of our placements were added before the start dates were known.
>
> Megan"""
    add(Reply("gmail-en-nested-quotes", "gmail", "en", megan,
              prev(PRIYA, megan, D(3, 9, 30), 1243, S_EXPORT, megan_body),
              """Hi Priya,

Thanks – I've added the end dates and the export works again.

One follow-up question: is there a way to make the end date a required field, so this can't happen again next year?

Megan""", delay=380))

    # ======================================================= Gmail apps
    sam = P("Sam Patel", "sam.patel@glenmoor.example")
    add(Reply("gmailandroid-en-short", "gmailandroid", "en", sam,
              prev(BEN, sam, D(3, 10, 15), 2214, S_ROLES, en_roles("Sam")),
              "Perfect, thanks Ben. I'll add the rest of the supervisors tomorrow.\n\nSam",
              delay=510))

    lena = P("Lena Vogel", "lena.vogel@uni-rheinfeld.example")
    add(Reply("gmailandroid-de-geschrieben", "gmailandroid", "de", lena,
              prev(LUKAS, lena, D(3, 11, 15, CET), 2305, "Anmeldung über Shibboleth schlägt fehl",
                   de_login("Sehr geehrte Frau Vogel,")),
              """Hallo Herr Brandt,

ich bin gerade unterwegs und kann es erst morgen früh am Rechner testen. Ich melde mich dann.

Viele Grüße
Lena Vogel""", delay=36))

    julie = P("Julie Moreau", "julie.moreau@univ-valrose.example")
    add(Reply("gmailandroid-fr-short", "gmailandroid", "fr", julie,
              prev(CAMILLE, julie, D(3, 11, 15, CET), 3133, "Problème de connexion",
                   fr_login("Bonjour Madame Moreau,")),
              "Bonjour,\n\nC'est bon, j'ai pu me connecter. Merci beaucoup !\n\nJulie", delay=58))

    pieter = P("Pieter de Groot", "p.degroot@uni-lindeoord.example")
    add(Reply("gmailandroid-nl-short", "gmailandroid", "nl", pieter,
              prev(JOOST, pieter, D(4, 11, 15, CET), 4412, "Stageverslag exporteren mislukt",
                   nl_export("Beste Pieter,")),
              "Hoi Joost,\n\nDank je, het werkt weer. Het lag inderdaad aan een ontbrekende einddatum.\n\n"
              "Groet,\nPieter", delay=125))

    emma = P("Emma Scott", "e.scott@harbourside.example")
    add(Reply("gmailios-en-short", "gmailios", "en", emma,
              prev(HELPDESK, emma, D(3, 10, 15), 3322, "Invoice INV-2025-0128: PO number missing",
                   en_invoice("Emma", "INV-2025-0128",
                              "Finance Office\nHarbourside University\nQuay Street\nHarbourside HB2 5RE")),
              "Hi,\n\nOur PO number is 4500127731, and yes, that billing address is correct.\n\nThanks,\nEmma",
              attr_style="us", delay=75))

    # ======================================================= Thunderbird
    peter = P("Peter Lang", "p.lang@eastmere.example")
    add(Reply("thunderbird-en-bottom-post", "thunderbird", "en", peter,
              prev(HELPDESK, peter, D(3, 10, 15), 2070, "Password reset for two users",
                   "Hello Peter,\n\nWe have sent password reset links to the two users you mentioned (j.barker and "
                   "s.osei). The links are valid for 24 hours.\n\nKind regards,\nExample Helpdesk"),
              "Thanks, I've forwarded the reset links to both users.\nThey can both log in again now.\n\nPeter",
              layout="bottom", delay=150))

    rob = P("Rob Fielding", "r.fielding@kingsford.example")
    add(Reply("thunderbird-en-top-dashdash-signature", "thunderbird", "en", rob,
              prev(BEN, rob, D(4, 9, 25), 2216, S_ROLES, en_roles("Rob")),
              "Hi Ben,\n\nThanks, the supervisors can all log in now.\n\nRob",
              sig="Rob Fielding\nStudent Placements Team\nKingsford University\nTel: +44 1632 960 233",
              delay=600))

    alan = P("Alan Whitaker", "a.whitaker@glenmoor.example")
    alan_body = """Hi Alan,

The fix for the duplicate reminder emails is now live. From tomorrow every supervisor should receive only one reminder per placement.

Best regards,
Priya Nair
Example Helpdesk

On 27/02/2025 14:20, Alan Whitaker wrote:
> Hello,
>
> Since Monday every supervisor gets each reminder email twice.
>
> Alan"""
    add(Reply("thunderbird-en-nested-quotes", "thunderbird", "en", alan,
              prev(PRIYA, alan, D(3, 16, 45), 1302, "Reminder emails sent twice", alan_body),
              "Hi Priya,\n\nThat's great, thank you. We'll check on Monday and let you know.\n\nAlan",
              ua="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.7.1",
              delay=900))

    tobias = P("Tobias Lang", "tobias.lang@th-altmark.example")
    add(Reply("thunderbird-de-list", "thunderbird", "de", tobias,
              prev(LUKAS, tobias, D(4, 10, 0, CET), 2311, "Wunsch: Massenimport von Praktika",
                   de_feature("Sehr geehrter Herr Lang,")),
              """Hallo Herr Brandt,

danke für die Rückfrage. Wir bräuchten folgende Spalten:

- Matrikelnummer
- Praktikumsbetrieb
- Beginn und Ende
- Betreuer/in im Betrieb

Pro Semester legen wir etwa 250 Praktika an.

Viele Grüße
Tobias Lang""", delay=210))

    claudia = P("Claudia Becker", "c.becker@hs-nordheide.example")
    greet = "Sehr geehrte Frau Becker,"
    add(Reply("thunderbird-de-inline-answers", "thunderbird", "de", claudia,
              prev(HELPDESK, claudia, D(5, 11, 15, CET), 2295, "Rechnung RE-2025-0342",
                   de_invoice(greet, "RE-2025-0342")),
              intro="Hallo,", layout="inline", inline=[
                  ("q", DE_INVOICE_Q1.format(greet=greet, inv="RE-2025-0342")),
                  ("a", "Die Bestellnummer ist 4711-2025-091."),
                  ("q", DE_INVOICE_Q2),
                  ("a", "Hochschule Nordheide, Zentrale Beschaffung, Postfach 12 34"),
                  ("q", DE_INVOICE_Q3),
                  ("a", "Viele Grüße\nClaudia Becker")],
              delay=75))

    mathieu = P("Mathieu Roux", "mathieu.roux@iut-beaulieu.example")
    add(Reply("thunderbird-fr-short", "thunderbird", "fr", mathieu,
              prev(CAMILLE, mathieu, D(3, 11, 15, CET), 3122,
                   "Export du rapport de stage impossible",
                   fr_export("Bonjour Monsieur Roux,")),
              """Bonjour Camille,

Merci, l'export fonctionne de nouveau depuis ce matin.
Vous pouvez clore le ticket.

Cordialement,
Mathieu Roux""", delay=1300))

    thomas = P("Thomas Willems", "t.willems@hs-brabantstad.example")
    add(Reply("thunderbird-nl-dashdash-signature", "thunderbird", "nl", thomas,
              prev(JOOST, thomas, D(4, 11, 15, CET), 4424, "Inloggen via SURFconext werkt niet",
                   nl_login("Beste Thomas,")),
              """Hallo Joost,

Ik krijg nog steeds foutcode AUTH-4012, ook na opnieuw inloggen.
Zou je mijn account handmatig opnieuw kunnen koppelen?

Groeten,
Thomas""", sig="Thomas Willems\nStagecoördinator ICT\nHogeschool Brabantstad", delay=66))

    fiona = P("Fiona Walsh", "f.walsh@lakeshore.example")
    add(Reply("thunderbird-en-html", "thunderbird", "en", fiona,
              prev(PRIYA, fiona, D(4, 14, 0), 4108, S_FEATURE, en_feature("Fiona")),
              """Hi Priya,

Thanks for the update on the bulk import.

We'd be happy to test an early version before the summer release.

Best wishes,
Fiona""", html=True,
              ua="Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.7.1",
              delay=1250))

    # ======================================================= Roundcube
    alex = P("Alex Morgan", "a.morgan@harbourside.example")
    add(Reply("roundcube-en-bottom-post-signature", "roundcube", "en", alex,
              prev(BEN, alex, D(5, 10, 15), 2218, S_ROLES, en_roles("Alex")),
              "Thanks Ben, that's exactly what I needed.\n\nAlex", layout="bottom",
              sig="Alex Morgan\nWork Placements, Harbourside University", delay=45))

    sabine = P("Sabine Koch", "sabine.koch@hs-weserbergland.example")
    add(Reply("roundcube-de-top", "roundcube", "de", sabine,
              prev(HELPDESK, sabine, D(5, 11, 15, CET), 2298, "Rechnung RE-2025-0350",
                   de_invoice("Sehr geehrte Frau Koch,", "RE-2025-0350")),
              """Guten Tag,

hier die gewünschten Angaben: Bestellnummer 2025-4471,
Rechnungsanschrift wie bisher.

Freundliche Grüße
Sabine Koch""", delay=85))

    # ======================================================= Apple Mail (macOS)
    katie = P("Katie Morgan", "k.morgan@northbridge.example")
    add(Reply("apple-en-multiparagraph", "apple", "en", katie,
              prev(PRIYA, katie, D(3, 10, 15), 1238, S_EXPORT, en_export("Katie")),
              """Hi Priya,

Thanks for looking into this so quickly.

I’ve checked the 2024/25 placements and found two without an end date. After adding them the export ran, but the PDF is missing the supervisor column.

Is that a separate issue, or should I open a new ticket for it?

Best wishes,
Katie""", delay=170))

    nina = P("Nina Clarke", "n.clarke@eastmere.example")
    add(Reply("apple-en-inline-answers", "apple", "en", nina,
              prev(HELPDESK, nina, D(4, 10, 15), 3325, "Invoice INV-2025-0131: VAT number missing",
                   en_invoice("Nina", "INV-2025-0131",
                              "Finance Office\nEastmere College\nStation Road\nEastmere EM3 9LT")),
              layout="inline", inline=[
                  ("q",
                   "Dear Nina,\n\nThank you for your message about invoice INV-2025-0131. We can reissue the "
                        "invoice with your university's VAT number and purchase order number.\n\n"
                        "Please send us the PO number"),
                  ("a", "It’s 4500129904."),
                  ("q", "and confirm that the billing address below is correct:\n\n"
                        "Finance Office\nEastmere College\nStation Road\nEastmere EM3 9LT"),
                  ("a", "That address is correct."),
                  ("q", "Kind regards,\nExample Helpdesk\nAccounts team"),
                  ("a", "Thanks,\nNina")],
              delay=230))

    julia = P("Julia Hartmann", "j.hartmann@hs-weserbergland.example")
    add(Reply("apple-de-multiparagraph", "apple", "de", julia,
              prev(LUKAS, julia, D(6, 9, 20, CET), 2289,
                   "Praktikumsbericht lässt sich nicht exportieren",
                   de_fixed("Sehr geehrte Frau Hartmann,")),
              """Hallo Herr Brandt,

vielen Dank, jetzt funktioniert der Export wieder.

Eine Frage noch: Kann man das Enddatum zum Pflichtfeld machen? Dann würde uns das im nächsten Jahr nicht wieder passieren.

Beste Grüße
Julia Hartmann""", delay=120))

    claire = P("Claire Fontaine", "claire.fontaine@univ-valrose.example")
    add(Reply("apple-fr-plaintext", "apple", "fr", claire,
              prev(HELPDESK, claire, D(3, 11, 15, CET), 3127, "Facture FA-2025-0461",
                   fr_invoice("Bonjour Madame Fontaine,").replace("FA-2025-0456", "FA-2025-0461")),
              """Bonjour,

Je vous confirme l’adresse de facturation. Notre numéro de TVA intracommunautaire est FR 12 345678901.

Bonne journée,
Claire Fontaine""", plain_only=True, delay=75))

    lotte = P("Lotte Visser", "lotte.visser@uni-lindeoord.example")
    add(Reply("apple-nl-multiparagraph", "apple", "nl", lotte,
              prev(JOOST, lotte, D(5, 11, 15, CET), 4433, "Verzoek: stages in bulk importeren",
                   nl_feature("Beste Lotte,")),
              """Hoi Joost,

Fijn dat jullie hiermee aan de slag gaan!

Wij maken per jaar zo’n 400 stages aan. De belangrijkste kolommen zijn studentnummer, stagebedrijf, begindatum, einddatum en stagebegeleider.

Groetjes,
Lotte""", delay=1440))

    # ======================================================= iOS Mail
    george = P("George Hall", "g.hall@ashgrove.example")
    add(Reply("ios-en-just-thanks", "ios", "en", george,
              prev(HELPDESK, george, D(3, 10, 15), 1245, S_EXPORT, en_fixed("George")),
              "Thanks!", footer="Sent from my iPhone", delay=250))

    kevin = P("Kevin Marsh", "k.marsh@lakeshore.example")
    add(Reply("ios-en-signature-without-delimiter", "ios", "en", kevin,
              prev(BEN, kevin, D(4, 13, 10), 2219, S_ROLES, en_roles("Kevin")),
              """Hi Ben,

Yes, please go ahead and create the accounts. I’ll send the welcome emails myself once they’re set up.

Kind regards,
Kevin

Kevin Marsh
Placements Officer
Lakeshore University
+44 1632 960 771""", footer="Sent from my iPhone", delay=35))

    markus = P("Markus Weber", "markus.weber@uni-rheinfeld.example")
    add(Reply("ios-de-von-meinem-iphone", "ios", "de", markus,
              prev(LUKAS, markus, D(4, 11, 15, CET), 2307, "Anmeldung über Shibboleth schlägt fehl",
                   de_login("Sehr geehrter Herr Weber,")),
              "Danke, klappt jetzt!\n\nGruß\nMarkus", footer="Von meinem iPhone gesendet",
              delay=22))

    sophie_m = P("Sophie Martin", "sophie.martin@ecole-sup-lumiere.example")
    add(Reply("ios-fr-envoye-de-mon-iphone", "ios", "fr", sophie_m,
              prev(CAMILLE, sophie_m, D(5, 10, 0, CET), 3142,
                   "Demande : import en masse des stages",
                   fr_feature("Bonjour Madame Martin,")),
              """Bonjour Camille,

Super nouvelle, merci ! Je transmets à l’équipe et je reviens vers vous la semaine prochaine avec notre liste de colonnes.

Sophie""", footer="Envoyé de mon iPhone", delay=95))

    daan = P("Daan Smit", "daan.smit@hogeschool-zeeland.example")
    add(Reply("ios-nl-verstuurd-vanaf-mijn-iphone", "ios", "nl", daan,
              prev(JOOST, daan, D(3, 11, 15, CET), 4414, "Stageverslag exporteren mislukt",
                   nl_export("Hoi Daan,")),
              "Hoi Joost,\n\nIk zit vandaag niet op kantoor, ik kijk er morgen naar.\n\nGroet,\nDaan",
              footer="Verstuurd vanaf mijn iPhone", delay=12))

    carmen = P("Carmen Ruiz", "carmen.ruiz@univ-costaverde.example")
    add(Reply("ios-es-enviado-desde-mi-iphone", "ios", "es", carmen,
              prev(HELPDESK, carmen, D(3, 11, 15, CET), 5105, "No puedo iniciar sesión", es_login(
                  "Carmen")),
              "Perfecto, ya funciona. ¡Gracias!\n\nCarmen", footer="Enviado desde mi iPhone",
              delay=27))

    ruth = P("Ruth Ellis", "r.ellis@kingsford.example")
    add(Reply("ios-en-ipad-us-date", "ios", "en", ruth,
              prev(BEN, ruth, D(3, 15, 45), 2062, S_LOGIN, en_login("Ruth")),
              "Will do – thanks, Ben.", footer="Sent from my iPad", attr_style="us", device="iPad",
              delay=8))

    johan = P("Johan Berg", "johan.berg@hogskolan-norrvik.example")
    add(Reply("ios-sv-skickat-fran-min-iphone", "ios", "sv", johan,
              prev(HELPDESK, johan, D(4, 11, 15, CET), 5224, "Kan inte logga in", sv_login(
                  "Johan")),
              "Tack, nu funkar det!\n\n/Johan", footer="Skickat från min iPhone", delay=31))

    marco = P("Marco Bianchi", "marco.bianchi@uni-valtellina.example")
    add(Reply("ios-it-inviato-da-iphone", "ios", "it", marco,
              prev(HELPDESK, marco, D(4, 11, 15, CET), 5310, "Problema di accesso", it_login(
                  "Marco")),
              "Grazie, ora funziona!\n\nMarco", footer="Inviato da iPhone", delay=19))

    # ======================================================= Samsung Email
    ryan = P("Ryan Cooper", "r.cooper@glenmoor.example")
    add(Reply("samsung-en-sent-from-my-galaxy", "samsung", "en", ryan,
              prev(BEN, ryan, D(3, 10, 15), 2064, S_LOGIN, en_login("Ryan")),
              "Hi Ben,\n\nJust tried again on my laptop and it works now. Thanks for sorting it out so quickly.\n\nRyan",
              footer="Sent from my Galaxy", delay=145))

    linda = P("Linda Frost", "l.frost@ashgrove.example")
    add(Reply("samsung-en-old-smartphone-footer", "samsung", "en", linda,
              prev(HELPDESK, linda, D(3, 10, 15), 3330, "Invoice INV-2025-0140: PO number missing",
                   en_invoice("Linda", "INV-2025-0140",
                              "Accounts Payable\nAshgrove University\nAshgrove Park\nAshgrove AG4 7QP")),
              "The PO number is 4500131177.\n\nThanks,\nLinda",
              footer="Sent from my Samsung Galaxy smartphone.", delay=1230))

    petra = P("Petra Schulz", "petra.schulz@th-altmark.example")
    add(Reply("samsung-de-von-meinem-galaxy", "samsung", "de", petra,
              prev(LUKAS, petra, D(4, 10, 0, CET), 2313, "Wunsch: Massenimport von Praktika",
                   de_feature("Sehr geehrte Frau Schulz,")),
              """Hallo Herr Brandt,

das klingt gut. Ich schicke Ihnen nächste Woche eine Beispieldatei.

Viele Grüße
Petra Schulz""", footer="Von meinem Galaxy gesendet", delay=280))

    antoine = P("Antoine Lambert", "antoine.lambert@iut-beaulieu.example")
    add(Reply("samsung-fr-envoye-depuis-mon-appareil", "samsung", "fr", antoine,
              prev(CAMILLE, antoine, D(4, 11, 15, CET), 3135, "Problème de connexion",
                   fr_login("Bonjour Monsieur Lambert,")),
              "Bonjour,\n\nÇa fonctionne maintenant, merci.\n\nAntoine",
              footer="Envoyé depuis mon appareil Galaxy", delay=40))

    bram = P("Bram Mulder", "bram.mulder@uni-lindeoord.example")
    add(Reply("samsung-nl-verzonden-vanaf-mijn-galaxy", "samsung", "nl", bram,
              prev(HELPDESK, bram, D(5, 11, 15, CET), 4417, "Factuur 2025-0801",
                   nl_invoice("Beste Bram,").replace("2025-0789", "2025-0801")),
              "Beste,\n\nHet inkoopordernummer is PO-2025-00518.\n\nMet vriendelijke groet,\nBram Mulder",
              footer="Verzonden vanaf mijn Galaxy", delay=63))

    # ======================================================= HCL / IBM Notes
    graham = P("Graham Hill", "graham.hill@eastmere.example")
    add(Reply("notes-en-tab-header-block", "notes", "en", graham,
              prev(HELPDESK, graham, D(3, 10, 15), 1251, S_EXPORT, en_export("Graham")),
              """Hello,

Thank you. I have added the missing end dates and the export now works.

Regards
Graham Hill
Careers Service""", delay=400))

    derek = P("Derek Shaw", "derek.shaw@kingsford.example")
    add(Reply("notes-en-dashed-wrote-header", "notes", "en", derek,
              prev(BEN, derek, D(3, 10, 15), 2068, S_LOGIN, en_login("Derek")),
              "Hi Ben,\n\nThe new link worked for me, thanks.\n\nDerek", verse=True, delay=70))

    sylvie = P("Sylvie Perrin", "sylvie.perrin@univ-valrose.example")
    add(Reply("notes-fr-memo-header-ref", "notes", "fr", sylvie,
              prev(HELPDESK, sylvie, D(4, 11, 15, CET), 3129, "Facture FA-2025-0470",
                   fr_invoice("Bonjour Madame Perrin,").replace("FA-2025-0456", "FA-2025-0470")),
              "Bonjour,\n\nL'adresse est correcte, merci.\n\nSylvie Perrin\nAgence comptable",
              prefix="Réf. : ", memo_fr=True, delay=1390))

    # ======================================================= GroupWise
    uwe = P("Uwe Lorenz", "Uwe.Lorenz@verwaltung.uni-rheinfeld.example")
    add(Reply("groupwise-de-reply-below-quote", "groupwise", "de", uwe,
              prev(HELPDESK, uwe, D(4, 11, 15, CET), 2309, "Anmeldung über Shibboleth schlägt fehl",
                   de_login("Sehr geehrter Herr Lorenz,")),
              "Hallo,\n\ndanke, die Anmeldung funktioniert jetzt wieder.\n\nGruß\nUwe Lorenz",
              prefix="Antw: ", layout="bottom", delay=130))

    # ======================================================= Yahoo Mail
    martha = P("Martha Reid", "mreid.placements@yahoo.co.uk")
    add(Reply("yahoo-en-web-no-blank-lines", "yahoo", "en", martha,
              prev(HELPDESK, martha, D(3, 10, 15), 2215, "Your supervisor account",
                   "Hello Martha,\n\nYour supervisor account for Example Placement Manager is ready. Please use "
                   "the link below to set your password; it is valid for 7 days.\n\n"
                   "https://placements.example.com/activate\n\nKind regards,\nExample Helpdesk"),
              "Hello,\nThank you, I have set my password and can see the two students I supervise.\n"
              "Kind regards,\nMartha Reid", delay=200))

    paul = P("Paul Dixon", "pdixon.placements@yahoo.co.uk")
    add(Reply("yahoo-en-android-footer", "yahoo", "en", paul,
              prev(HELPDESK, paul, D(3, 10, 15), 1247, S_EXPORT, en_fixed("Paul")),
              "Yes all good now thanks", footer="Sent from Yahoo Mail on Android", android=True,
              delay=95))

    return R


# ================================================================ writing and checking

def collapse(text: str) -> str:
    return " ".join(text.replace("\ufeff", " ").split())


def norm(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def write_all(replies: list[Reply]) -> None:
    for old in list(HERE.glob("*.eml")) + list(HERE.glob("*.expected.txt")):
        old.unlink()
    for rep in replies:
        headers, root, crlf, expected = BUILDERS[rep.client](rep)
        (HERE / f"{rep.name}.eml").write_bytes(render(headers, root, crlf))
        assert expected == expected.strip() and all(x == x.rstrip() for x in expected.split(
            "\n")), rep.name
        (HERE / f"{rep.name}.expected.txt").write_bytes(expected.encode("utf-8"))


def check(replies: list[Reply]) -> int:
    errors = 0
    names = {r.name for r in replies}
    on_disk = {p.name[:-4] for p in HERE.glob("*.eml")}
    for missing in sorted(names ^ on_disk):
        print(f"FAIL {missing}: file set differs from the corpus definition")
        errors += 1
    for rep in replies:
        path = HERE / f"{rep.name}.eml"
        problems = []
        with open(path, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        for part in msg.walk():
            if part.defects:
                problems.append(f"MIME defects {part.defects}")
        for h in ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
                  "MIME-Version"):
            if msg[h] is None:
                problems.append(f"missing header {h}")
        subj = str(msg["Subject"])
        if "[#" not in subj:
            problems.append(f"subject without ticket tag: {subj!r}")
        plain = msg.get_body(preferencelist=("plain",))
        if plain is None:
            problems.append("no text/plain part")
            print(f"FAIL {rep.name}: {problems}")
            errors += 1
            continue
        body = norm(plain.get_content())
        exp_raw = (HERE / f"{rep.name}.expected.txt").read_bytes().decode("utf-8")
        if exp_raw != exp_raw.strip() or "\r" in exp_raw:
            problems.append("expected file has surrounding whitespace or CR")
        if any(x != x.rstrip() for x in exp_raw.split("\n")):
            problems.append("expected file has trailing spaces")
        exp = norm(exp_raw)
        if rep.layout == "top":
            if not (body.startswith(exp + "\n") or body == exp):
                problems.append("expected text is not the start of the text/plain body")
        elif rep.layout == "bottom":
            if ("\n" + exp + "\n") not in body:
                problems.append("expected text not found below the quote")
        else:
            pos = 0
            for para in exp.split("\n\n"):
                i = body.find(para, pos)
                if i < 0:
                    problems.append(f"inline paragraph not found in order: {para!r}")
                    break
                pos = i + len(para)
        html_part = msg.get_body(preferencelist=("html",))
        if msg.get_content_type() == "multipart/alternative":
            if html_part is None:
                problems.append("multipart/alternative without text/html")
            else:
                h = collapse(html.unescape(re.sub(r"<[^>]+>", " ", html_part.get_content())))
                for para in exp.split("\n\n"):
                    if collapse(para) not in h:
                        problems.append(f"HTML part does not contain {para!r}")
        if problems:
            errors += 1
            print(f"FAIL {rep.name}: " + "; ".join(problems))
    print(f"{len(replies)} replies checked, {errors} with problems")
    return errors


def main(argv: list[str]) -> int:
    replies = corpus()
    if len({r.name for r in replies}) != len(replies):
        raise SystemExit("duplicate names")
    if "--check" not in argv:
        write_all(replies)
    return 1 if check(replies) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

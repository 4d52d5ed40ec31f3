#!/usr/bin/env python3
"""Build and check the held-out reply-stripping corpus.

Every case below is hand-written: the helpdesk message that is quoted, the
attribution line or header block in the client's own words and date format,
and what the customer typed. The builder functions only lay that content out
the way each mail client does (quote prefix, wrapping, footer position, MIME
structure, transfer encoding, header set, line endings).

    python3 make_holdout.py           # (re)write every .eml/.expected.txt, then check
    python3 make_holdout.py --check   # only check the files on disk

The output is deterministic. The script writes only into its own folder.
"""
from __future__ import annotations

import base64
import email
import email.policy
import html
import random
import re
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
HD_NAME = "Example Helpdesk"
HD_ADDR = "helpdesk@example.com"
HD = f"{HD_NAME} <{HD_ADDR}>"

RNG = random.Random(731)

# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------


def rhex(n, upper=False):
    s = "".join(RNG.choice("0123456789abcdef") for _ in range(n))
    return s.upper() if upper else s


def ralnum(n, alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"):
    return "".join(RNG.choice(alphabet) for _ in range(n))


def ruuid(upper=False):
    s = f"{rhex(8)}-{rhex(4)}-4{rhex(3)}-{RNG.choice('89ab')}{rhex(3)}-{rhex(12)}"
    return s.upper() if upper else s


def qp(text, charset="utf-8", extra=""):
    """Quoted-printable, soft-wrapped at 76 columns, LF line ends."""
    out = []
    for line in text.split("\n"):
        raw = line.encode(charset)
        toks = []
        for i, b in enumerate(raw):
            ch = chr(b)
            if b in (9, 32):
                toks.append("=%02X" % b if i == len(raw) - 1 else ch)
            elif 33 <= b <= 126 and ch != "=" and ch not in extra:
                toks.append(ch)
            else:
                toks.append("=%02X" % b)
        cur = ""
        for t in toks:
            if len(cur) + len(t) > 75:
                out.append(cur + "=")
                cur = ""
            cur += t
        out.append(cur)
    return "\n".join(out)


def b64(text, charset="utf-8"):
    return base64.encodebytes(text.encode(charset)).decode("ascii").rstrip("\n")


def body_enc(text, cte, charset="utf-8", extra=""):
    cte_l = cte.lower()
    if cte_l == "quoted-printable":
        return qp(text, charset, extra)
    if cte_l == "base64":
        return b64(text, charset)
    return text


def ew(s, charset="utf-8", mode="Q", fold="\n "):
    """RFC 2047 encoded words for a header text (only when needed)."""
    if all(ord(c) < 128 for c in s):
        return s
    cs = charset
    words, chunk = [], ""
    for ch in s:
        chunk += ch
        if len(chunk.encode(charset)) >= 30:
            words.append(chunk)
            chunk = ""
    if chunk:
        words.append(chunk)
    enc = []
    for w in words:
        if mode == "B":
            enc.append("=?%s?B?%s?=" % (cs, base64.b64encode(w.encode(charset)).decode()))
        else:
            o = ""
            for b in w.encode(charset):
                c = chr(b)
                if c == " ":
                    o += "_"
                elif b < 128 and (c.isalnum() or c in "!*+-/"):
                    o += c
                else:
                    o += "=%02X" % b
            enc.append("=?%s?Q?%s?=" % (cs, o))
    return fold.join(enc)


def addr(name, a, quote=False, charset="utf-8", mode="Q"):
    if any(ord(c) > 127 for c in name):
        return f"{ew(name, charset, mode)} <{a}>"
    if quote or any(c in name for c in ",.()"):
        return f'"{name}" <{a}>'
    return f"{name} <{a}>"


def hard_wrap(text, width):
    """Wrap every paragraph line at `width` (like Gmail's text/plain)."""
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
        else:
            out.extend(textwrap.wrap(line, width, break_long_words=False,
                                     break_on_hyphens=False))
    return "\n".join(out)


def quote(text, prefix="> ", empty=">", width=None, flowed=False, nest=None):
    """Prefix every line; optionally wrap first (hard, or flowed soft breaks).

    Lines that are already quoted get one more level: `nest` + their own
    prefix (Gmail/Apple: "> > text", Thunderbird/K-9/eM Client: ">> text").
    """
    if nest is None:
        nest = prefix
    out = []
    for line in text.split("\n"):
        m = re.match(r"^((?:> ?)+)", line)
        if m:
            inner = m.group(1)
            if nest == ">":
                inner = inner.replace(" ", "")
                if line[len(m.group(1)):] and not inner.endswith(" "):
                    inner += " "
            pre, rest = nest + inner, line[len(m.group(1)):]
            if not rest.strip():
                out.append((nest + inner).rstrip() if nest != "> " else (nest + inner).rstrip())
                continue
        elif not line.strip():
            out.append(empty)
            continue
        else:
            pre, rest = prefix, line
        if width and len(pre) + len(rest) > width:
            segs = textwrap.wrap(rest, width - len(pre), break_long_words=False,
                                 break_on_hyphens=False)
            if flowed:
                segs = [s + " " for s in segs[:-1]] + segs[-1:]
            out.extend(pre + s for s in segs)
        else:
            out.append(pre + rest)
    return "\n".join(out)


def gmail_attr(s, width=76):
    """Wrap an attribution the way Gmail's text/plain does: greedy at `width`,
    and when '<address>' does not fit, the line ends with '<'."""
    words = s.split(" ")
    lines, cur = [], ""
    for w in words:
        cand = w if not cur else cur + " " + w
        if len(cand) <= width:
            cur = cand
            continue
        if w.startswith("<") and len(cur) + 2 <= width:
            lines.append(cur + " <")
            cur = w[1:]
            continue
        lines.append(cur)
        cur = w
    lines.append(cur)
    return lines


def flow(text, width=72):
    """format=flowed soft wrap of unquoted text (trailing space = soft break)."""
    out = []
    for line in text.split("\n"):
        if len(line) <= width or line == "-- ":
            out.append(line)
            continue
        segs = textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)
        out.extend([s + " " for s in segs[:-1]] + segs[-1:])
    return "\n".join(out)


def e(s):
    return html.escape(s, quote=False)


def html_lines(text, line_tpl="<div>{}</div>", blank="<div><br></div>"):
    return "\n".join(blank if not l.strip() else line_tpl.format(e(l)) for l in text.split("\n"))


def html_br(text):
    return "<br>\n".join(e(l) for l in text.split("\n"))


def refs_fold(ids, sep="\n "):
    return sep.join(ids)


# --------------------------------------------------------------------------
# message assembly
# --------------------------------------------------------------------------


def multipart(boundary, parts, preamble=None, closing_blank=False):
    out = []
    if preamble is not None:
        out.append(preamble)
        out.append("")
    for hdrs, body in parts:
        out.append("--" + boundary)
        out.extend(hdrs)
        out.append("")
        out.append(body)
        if closing_blank:
            out.append("")
    out.append("--" + boundary + "--")
    return "\n".join(out) + "\n"


def render(headers, body, crlf=False):
    head = "\n".join(f"{n}: {v}" if v != "" else f"{n}:" for n, v in headers)
    text = head + "\n\n" + body
    if not text.endswith("\n"):
        text += "\n"
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return text.encode("utf-8")


# --------------------------------------------------------------------------
# builders, one per client family
# Each returns (headers, body, expected, crlf)
# --------------------------------------------------------------------------


def outlook_win(c):
    """Outlook for Windows (Microsoft 365 / 2016-2024), HTML compose or plain text."""
    new = c["new"]
    hdr = c["hdr"]                       # list of header-block lines, in client locale
    q = c["quote"]
    plain_mode = c.get("plain", False)
    transport = c.get("transport", "smtp")  # smtp (X-Mailer) or exchange
    cust_dom = c["from"][1].split("@")[1]
    crlf = True
    if plain_mode:
        sep = c.get("separator", "-----Original Message-----")
        qb = quote(q, "> ", ">") if c.get("prefix") else q
        text = new + "\n\n" + sep + "\n" + "\n".join(hdr) + "\n\n" + qb + "\n"
    else:
        text = new + "\n\n" + "\n".join(hdr) + "\n\n" + q + "\n"
    expected = new
    lang_tag = c.get("html_lang", "EN-US")

    def mso(t):
        return "\n".join('<p class="MsoNormal"><o:p>&nbsp;</o:p></p>' if not l.strip()
                         else f'<p class="MsoNormal">{e(l)}<o:p></o:p></p>' for l in t.split("\n"))
    hb = []
    for line in hdr:
        k, _, v = line.partition(":")
        v = v.strip()
        hb.append(f"<b>{e(k)}:</b> {e(v)}")
    htmlpart = (
        '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
        'xmlns="http://www.w3.org/TR/REC-html40">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n'
        '<style><!--\n/* Style Definitions */\np.MsoNormal, li.MsoNormal, div.MsoNormal\n'
        '\t{margin:0cm;\n\tfont-size:11.0pt;\n\tfont-family:"Aptos",sans-serif;}\n'
        'span.EmailStyle18\n\t{mso-style-type:personal-reply;\n\tfont-family:"Aptos",sans-serif;\n\tcolor:windowtext;}\n'
        '@page WordSection1\n\t{size:612.0pt 792.0pt;\n\tmargin:72.0pt 72.0pt 72.0pt 72.0pt;}\n'
        'div.WordSection1\n\t{page:WordSection1;}\n--></style>\n</head>\n'
        f'<body lang="{lang_tag}" link="#467886" vlink="#96607D" style="word-wrap:break-word">\n'
        '<div class="WordSection1">\n' + mso(new) + "\n"
        '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n'
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">\n'
        '<p class="MsoNormal">' + "<br>\n".join(hb) + '<o:p></o:p></p>\n</div>\n'
        '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n' + mso(q) + "\n</div>\n</body>\n</html>\n"
    )
    subj = c["subject"]
    if transport == "exchange":
        mid_host = c.get("mshost", "DB9PR02MB7164.eurprd02.prod.outlook.com")
        short = mid_host.split(".")[0]
        mid = f"<{short}{rhex(22, True)}@{mid_host}>"
        boundary = f"_000_{mid[1:-1].replace('@', '').replace('.', '')[:60]}_"
        headers = [
            ("From", addr(*c["from"])),
            ("To", HD),
            ("Subject", ew(subj, "utf-8", "B")),
            ("Thread-Topic", ew(c.get("topic", subj.split(": ", 1)[-1]), "utf-8", "B")),
            ("Thread-Index", "AQH" + ralnum(25) + "=="),
            ("Date", c["date"]),
            ("Message-ID", mid),
            ("References", refs_fold(c["refs"])),
            ("In-Reply-To", c["refs"][-1]),
            ("Accept-Language", c.get("accept", "en-US")),
            ("Content-Language", c.get("clang", "en-US")),
            ("X-MS-Has-Attach", ""),
            ("X-MS-TNEF-Correlator", ""),
            ("msip_labels", ""),
            ("Content-Type", f'multipart/alternative;\n\tboundary="{boundary}"'),
            ("MIME-Version", "1.0"),
        ]
        cte = "base64"
        parts = [
            (['Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: base64"],
             b64(text) + "\n"),
            (['Content-Type: text/html; charset="utf-8"', "Content-ID: <" + rhex(
                32, True) + "@" + c.get("ns", "eurprd02.prod.outlook.com") + ">",
              "Content-Transfer-Encoding: base64"], b64(htmlpart) + "\n"),
        ]
        body = multipart(boundary, parts)
    else:
        ts = rhex(8, True)
        mid = f"<00{rhex(2)}01db{rhex(4)}${rhex(8)}${rhex(8)}$@{cust_dom}>"
        charset = c.get("charset", "utf-8")
        to_name = c.get("to_display", f"'{HD_NAME}'")
        headers = [
            ("From", addr(*c["from"], charset=charset)),
            ("To", f'"{to_name}" <{HD_ADDR}>'),
        ]
        if c.get("cc"):
            headers.append(("Cc", c["cc"]))
        headers += [
            ("References", refs_fold(c["refs"])),
            ("In-Reply-To", c["refs"][-1]),
            ("Subject", ew(subj, charset, "Q")),
            ("Date", c["date"]),
            ("Message-ID", mid),
            ("MIME-Version", "1.0"),
        ]
        if plain_mode:
            headers += [
                ("Content-Type", f'text/plain;\n\tcharset="{charset}"'),
                ("Content-Transfer-Encoding", "quoted-printable"),
                ("X-Mailer", c.get("xmailer", "Microsoft Outlook 16.0")),
                ("Thread-Index", "AQ" + ralnum(30) + "=="),
                ("Content-Language", c.get("clang", "en-gb")),
            ]
            body = qp(text, charset) + "\n"
        else:
            boundary = f"----=_NextPart_000_{rhex(4, True)}_01DB{rhex(4, True)}.{ts}"
            headers += [
                ("Content-Type", f'multipart/alternative;\n\tboundary="{boundary}"'),
                ("X-Mailer", c.get("xmailer", "Microsoft Outlook 16.0")),
                ("Thread-Index", "AQ" + ralnum(30) + "=="),
                ("Content-Language", c.get("clang", "de")),
            ]
            parts = [
                ([f'Content-Type: text/plain;\n\tcharset="{charset}"',
                  "Content-Transfer-Encoding: quoted-printable"],
                 qp(text, charset) + "\n"),
                ([f'Content-Type: text/html;\n\tcharset="{charset}"',
                  "Content-Transfer-Encoding: quoted-printable"],
                 qp(htmlpart.replace("charset=utf-8", f"charset={charset}"), charset) + "\n"),
            ]
            body = multipart(boundary, parts,
                             preamble="This is a multipart message in MIME format.")
    return headers, body, expected, crlf


def owa(c):
    """Outlook on the web / new Outlook for Windows: rule + localised header block."""
    new, hdr, q = c["new"], c["hdr"], c["quote"]
    text = new + "\n\n" + "_" * 32 + "\n" + "\n".join(hdr) + "\n\n" + q + "\n"
    hb = "<br>\n".join(
        f"<b>{e(l.split(':', 1)[0])}:</b> {e(l.split(':', 1)[1].strip())}" for l in hdr)
    htmlpart = (
        '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style>\n'
        '</head>\n<body dir="ltr">\n'
        + "\n".join(
            '<div class="elementToProof" style="font-family: Aptos, Aptos_EmbeddedFont, Aptos_MSFontService, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">'
                    + ("<br>" if not l.strip() else e(l)) + "</div>" for l in new.split("\n"))
        + '\n<div id="appendonsend"></div>\n<hr style="display:inline-block;width:98%" tabindex="-1">\n'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">'
        + hb + '</font>\n<div>&nbsp;</div>\n</div>\n<div>\n' + html_br(
            q) + "\n</div>\n</body>\n</html>\n"
    )
    host = c.get("mshost", "AS8PR04MB8612.eurprd04.prod.outlook.com")
    short = host.split(".")[0]
    mid = f"<{short}{rhex(22, True)}@{host}>"
    boundary = f"_000_{short}{rhex(22, True)}{short}{host.split('.')[1][:4]}_"
    subj = c["subject"]
    headers = [
        ("From", addr(*c["from"])),
        ("To", HD),
        ("Subject", ew(subj, "utf-8", "B")),
        ("Thread-Topic", ew(c.get("topic", subj.split(": ", 1)[-1]), "utf-8", "B")),
        ("Thread-Index", "AQH" + ralnum(21) + "="),
        ("Date", c["date"]),
        ("Message-ID", mid),
        ("References", refs_fold(c["refs"])),
        ("In-Reply-To", c["refs"][-1]),
        ("Accept-Language", c.get("accept", "en-GB, en-US")),
        ("Content-Language", c.get("clang", "en-GB")),
        ("X-MS-Has-Attach", ""),
        ("X-MS-TNEF-Correlator", ""),
        ("Content-Type", f'multipart/alternative;\n\tboundary="{boundary}"'),
        ("MIME-Version", "1.0"),
    ]
    cte = c.get("cte", "base64")
    parts = [
        ([f'Content-Type: text/plain; charset="{"utf-8" if cte == "base64" else "iso-8859-1"}"',
          f"Content-Transfer-Encoding: {cte}"],
         body_enc(text, cte, "utf-8" if cte == "base64" else "iso-8859-1") + "\n"),
        ([f'Content-Type: text/html; charset="{"utf-8" if cte == "base64" else "iso-8859-1"}"',
          f"Content-Transfer-Encoding: {cte}"],
         body_enc(htmlpart if cte == "base64" else htmlpart.replace("charset=utf-8",
                                                                    "charset=iso-8859-1"),
                  cte, "utf-8" if cte == "base64" else "iso-8859-1") + "\n"),
    ]
    return headers, multipart(boundary, parts), new, True


def outlook_mobile(c):
    """Outlook for iOS / Android: footer with link, 32-underscore rule, header block."""
    new, hdr, q = c["new"], c["hdr"], c["quote"]
    footer = c["footer"]
    android = c["os"] == "android"
    text = new + "\n\n" + footer + "\n" + ("\n" if android else "") + "_" * 32 + "\n" + "\n".join(
        hdr) + "\n\n" + q + "\n"
    label, _, link = footer.partition("<")
    link = link.rstrip(">")
    hb = "<br>\n".join(
        f"<b>{e(l.split(':', 1)[0])}:</b> {e(l.split(':', 1)[1].strip())}" for l in hdr)
    htmlpart = (
        '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n</head>\n<body>\n'
        + "\n".join('<div dir="auto">' + ("<br>" if not l.strip() else e(
            l)) + "</div>" for l in new.split("\n"))
        + '\n<div dir="auto"><br></div>\n<div id="ms-outlook-mobile-signature" dir="auto">'
        + (f'<a href="{link}">{e(label.strip())}</a>' if not c.get("footer_html") else c[
            "footer_html"])
        + '</div>\n<div id="mail-editor-reference-message-container" dir="auto"><br>\n<hr style="display:inline-block;width:98%">\n'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">'
        + hb + "</font>\n<div>&nbsp;</div>\n</div>\n" + html_br(q) + "\n</div>\n</body>\n</html>\n"
    )
    host = c.get("mshost", "PAXPR07MB8771.eurprd07.prod.outlook.com")
    short = host.split(".")[0]
    mid = f"<{short}{rhex(22, True)}@{host}>"
    boundary = f"_000_{short}{rhex(22, True)}{short}_"
    headers = [
        ("From", addr(*c["from"])),
        ("To", HD),
        ("Subject", ew(c["subject"], "utf-8", "B")),
        ("Thread-Topic", ew(c["subject"].split(": ", 1)[-1], "utf-8", "B")),
        ("Thread-Index", "AQH" + ralnum(17) + "="),
        ("Date", c["date"]),
        ("Message-ID", mid),
        ("References", refs_fold(c["refs"])),
        ("In-Reply-To", c["refs"][-1]),
        ("Accept-Language", c.get("accept", "en-US")),
        ("Content-Language", c.get("clang", "en-US")),
        ("X-MS-Has-Attach", ""),
        ("X-MS-TNEF-Correlator", ""),
        ("Content-Type", f'multipart/alternative;\n\tboundary="{boundary}"'),
        ("MIME-Version", "1.0"),
    ]
    parts = [
        (['Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: base64"], b64(
            text) + "\n"),
        (['Content-Type: text/html; charset="utf-8"', "Content-Transfer-Encoding: base64"], b64(
            htmlpart) + "\n"),
    ]
    return headers, multipart(boundary, parts), new, True


def outlook_mac(c):
    """Outlook for Mac 16.x: From/Date/To/Subject block, 'Content-type' spelling."""
    new, hdr, q = c["new"], c["hdr"], c["quote"]
    text = new.replace("\n\n", "\n \n") + "\n \n" + "\n".join(hdr) + "\n \n" + q + "\n"
    expected = new
    hb = "<br>\n".join(
        f"<b>{e(l.split(':', 1)[0])}: </b>{e(l.split(':', 1)[1].strip())}" for l in hdr)
    htmlpart = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" '
        'xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">'
        '<head><meta http-equiv=Content-Type content="text/html; charset=utf-8">'
        '<meta name=Generator content="Microsoft Word 15 (filtered medium)"></head>'
        '<body lang=EN-US link="#467886" vlink="#96607D" style=\'word-wrap:break-word\'><div class=WordSection1>\n'
        + "\n".join("<p class=MsoNormal><span style='font-size:11.0pt'>" + (
            "<o:p>&nbsp;</o:p>" if not l.strip() else e(l) + "<o:p></o:p>") + "</span></p>"
                    for l in new.split("\n"))
        + "\n<p class=MsoNormal><span style='font-size:11.0pt'><o:p>&nbsp;</o:p></span></p>\n"
        "<div id=\"mail-editor-reference-message-container\"><div><div style='border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0cm 0cm 0cm'>"
        "<p class=MsoNormal style='margin-bottom:12.0pt'><span style='font-size:12.0pt;color:black'>" + hb + "</span></p></div>\n"
        + "\n".join("<p class=MsoNormal>" + ("<o:p>&nbsp;</o:p>" if not l.strip() else e(
            l)) + "</p>" for l in q.split("\n"))
        + "\n</div></div></div></body></html>\n"
    )
    cust_dom = c["from"][1].split("@")[1]
    n = RNG.randint(3800000000, 3899999999)
    boundary = f"B_{n}_{RNG.randint(100000000, 999999999)}"
    headers = [
        ("User-Agent", c.get("ua", "Microsoft-MacOutlook/16.93.25011212")),
        ("Date", c["date"]),
        ("Subject", ew(c["subject"])),
        ("From", addr(*c["from"])),
        ("To", HD),
        ("Message-ID", f"<{ruuid(True)}@{cust_dom}>"),
        ("Thread-Topic", ew(c["subject"].split(": ", 1)[-1])),
        ("References", refs_fold(c["refs"])),
        ("In-Reply-To", c["refs"][-1]),
        ("Mime-version", "1.0"),
        ("Content-type", f'multipart/alternative;\n\tboundary="{boundary}"'),
    ]
    parts = [
        (['Content-type: text/plain;\n\tcharset="UTF-8"',
          "Content-transfer-encoding: quoted-printable"], qp(text) + "\n"),
        (['Content-type: text/html;\n\tcharset="UTF-8"',
          "Content-transfer-encoding: quoted-printable"], qp(htmlpart) + "\n"),
    ]
    body = multipart(boundary, parts,
                     preamble="> This message is in MIME format. Since your mail reader does not understand\nthis format, some or all of this message may not be legible.")
    return headers, body, expected, False


def gmail(c):
    """Gmail web and the Gmail apps: 76-column text/plain, '> ' quote, gmail_quote HTML."""
    app = c.get("app", "web")
    new = c["new"]
    wrapped = hard_wrap(new, 76)
    attr_lines = c["attr"] if isinstance(c["attr"], list) else gmail_attr(c["attr"])
    q = c["quote"]
    sig = c.get("sig")
    text = wrapped
    if sig:
        text += "\n\n-- \n" + sig
    qtext = c.get("quote_plain") or quote(q, "> ", ">", width=76)
    text += "\n\n" + "\n".join(attr_lines) + "\n\n" + qtext + "\n"
    attr_one = " ".join(attr_lines).replace("< ", "<").replace("\u202f", "\u202f")
    attr_one = re.sub(r"<\s+", "<", attr_one)
    d = "auto" if app != "web" else "ltr"
    new_html = "\n".join(f'<div dir="{d}">' + ("<br>" if not l.strip() else e(
        l)) + "</div>" for l in new.split("\n"))
    if sig:
        new_html += (
            '\n<div><br></div><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature" '
                     'data-smartmail="gmail_signature"><div dir="ltr">' + html_br(
                         sig) + "</div></div>")
    q_html = c.get("quote_html") or html_lines(q)
    htmlpart = (
        f'<div dir="{d}">' + new_html + "</div><br><div class=\"gmail_quote gmail_quote_container\">"
        f'<div dir="ltr" class="gmail_attr">{e(attr_one)}<br></div>'
        '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">'
        + q_html + "</blockquote></div>\n"
    )
    boundary = "000000000000" + rhex(16)
    gid = "CA" + ralnum(RNG.randint(44, 60),
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_-=") + "@mail.gmail.com"
    headers = [
        ("MIME-Version", "1.0"),
        ("References", refs_fold(c["refs"])),
        ("In-Reply-To", c["refs"][-1]),
        ("From", addr(*c["from"], charset="UTF-8")),
        ("Date", c["date"]),
        ("X-Gm-Features", "AQ" + ralnum(40) + "_" + ralnum(20)),
        ("Message-ID", f"<{gid}>"),
        ("Subject", ew(c["subject"], "UTF-8", "Q")),
        ("To", c.get("to", HD)),
    ]
    if c.get("cc"):
        headers.append(("Cc", c["cc"]))
    headers.append(("Content-Type", f'multipart/alternative; boundary="{boundary}"'))

    def part(ctype, t):
        if all(ord(ch) < 128 for ch in t) and max(len(l) for l in t.split("\n")) < 998:
            return ([f'Content-Type: {ctype}; charset="UTF-8"'], t)
        return ([f'Content-Type: {ctype}; charset="UTF-8"',
                 "Content-Transfer-Encoding: quoted-printable"], qp(t))
    body = multipart(boundary, [part("text/plain", text), part("text/html", htmlpart)])
    return headers, body, wrapped, False


def apple_mail(c):
    """Apple Mail on macOS: the attribution is inside the quote, '> ' prefix."""
    new, q = c.get("new", ""), c.get("quote", "")
    attr = c["attr"]
    plain_only = c.get("plain_only", False)
    if c.get("segments"):
        # inline answers: greeting, then quoted attribution and interleaved blocks
        chunks, exp = [], []
        pre = c.get("pre")
        if pre:
            chunks.append(pre + "\n")
            exp.append(pre)
        first = True
        for kind, t in c["segments"]:
            if kind == "q":
                ql = quote(t, "> ", ">")
                if first:
                    ql = "> " + attr + "\n> \n" + ql
                    first = False
                chunks.append(ql + "\n")
            else:
                chunks.append(t + "\n")
                exp.append(t)
        text = "\n".join(chunks)
        expected = "\n\n".join(exp)
    else:
        text = new + "\n\n" + "> " + attr + "\n> \n" + quote(q, "> ", "> ") + "\n\n"
        expected = new
    cust_dom = c["from"][1].split("@")[1]
    mailver = c.get("mailver", "3826.400.131.1.6")
    headers = [("From", addr(*c["from"]))]
    if plain_only:
        headers.append(("Content-Type", "text/plain;\n\tcharset=utf-8"))
        headers.append(("Content-Transfer-Encoding", "quoted-printable"))
    else:
        boundary = "Apple-Mail=_" + ruuid(True)
        headers.append(("Content-Type", f'multipart/alternative;\n\tboundary="{boundary}"'))
    headers += [
        ("Mime-Version", f"1.0 (Mac OS X Mail 16.0 \\({mailver}\\))"),
        ("Subject", ew(c["subject"])),
        ("Date", c["date"]),
        ("In-Reply-To", c["refs"][-1]),
        ("To", HD),
        ("References", refs_fold(c["refs"])),
        ("Message-Id", f"<{ruuid(True)}@{cust_dom}>"),
        ("X-Mailer", f"Apple Mail (2.{mailver})"),
    ]
    if plain_only:
        return headers, qp(text) + "\n", expected, False
    if c.get("segments"):
        inner = []
        for kind, t in c["segments"]:
            if kind == "q":
                inner.append('<blockquote type="cite"><div>' + html_br(t) + "</div></blockquote>")
            else:
                inner.append("<div>" + html_br(t) + "</div>")
        htmlbody = "".join(inner)
    else:
        htmlbody = (html_br(
            new) + '<br id="lineBreakAtBeginningOfMessage"><div><br><blockquote type="cite"><div>'
                    + e(attr) + '</div><br class="Apple-interchange-newline"><div><div>'
                    + html_br(q) + "</div></div></blockquote></div><br>")
    htmlpart = (
        '<html aria-label="message body"><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
                '<body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">'
                + htmlbody + "</body></html>")
    parts = [
        (["Content-Transfer-Encoding: quoted-printable",
          "Content-Type: text/plain;\n\tcharset=utf-8"], qp(text)),
        (["Content-Transfer-Encoding: quoted-printable",
          "Content-Type: text/html;\n\tcharset=utf-8"], qp(htmlpart)),
    ]
    return headers, multipart(boundary, parts, closing_blank=True), expected, False


def ios_mail(c):
    """Mail on iPhone/iPad: footer, blank line, '> '-quoted attribution."""
    new, q, attr, footer = c["new"], c["quote"], c["attr"], c["footer"]
    bom = "\ufeff" if c.get("bom") else ""
    ql = quote(q, "> ", "> ").split("\n")
    ql[0] = "> " + bom + ql[0][2:]
    text = new + "\n\n" + footer + "\n\n" + "> " + attr + "\n> \n" + "\n".join(ql) + "\n"
    cust_dom = c["from"][1].split("@")[1]
    boundary = "Apple-Mail-" + ruuid(True)
    device = c.get("device", "iPhone")
    build = c.get("build", "22D82")
    htmlpart = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body dir="auto">'
                + "".join('<div dir="ltr">' + ("<br>" if not l.strip() else e(
                    l)) + "</div>" for l in new.split("\n"))
                + f'<div dir="ltr"><br></div><div dir="ltr">{e(footer)}</div><div dir="ltr"><br><blockquote type="cite">{e(attr)}<br><br></blockquote></div>'
                + '<blockquote type="cite"><div dir="ltr">' + bom + html_br(
                    q) + "</div></blockquote></body></html>")
    headers = [
        ("Content-Type", f"multipart/alternative; boundary={boundary}"),
        ("Content-Transfer-Encoding", "7bit"),
        ("From", addr(*c["from"])),
        ("Mime-Version", "1.0 (1.0)"),
        ("Subject", ew(c["subject"])),
        ("Date", c["date"]),
        ("Message-Id", f"<{ruuid(True)}@{cust_dom}>"),
        ("References", refs_fold(c["refs"], " ")),
        ("In-Reply-To", c["refs"][-1]),
        ("To", HD),
        ("X-Mailer", f"{device} Mail ({build})"),
    ]
    parts = [
        (["Content-Type: text/plain;\n\tcharset=utf-8",
          "Content-Transfer-Encoding: quoted-printable"], qp(text)),
        (["Content-Type: text/html;\n\tcharset=utf-8",
          "Content-Transfer-Encoding: quoted-printable"], qp(htmlpart)),
    ]
    return headers, multipart(boundary, parts, closing_blank=True), new, False


def thunderbird(c):
    """Thunderbird: text/plain format=flowed (optionally multipart with HTML)."""
    q, attr = c["quote"], c["attr"]
    sig = c.get("sig")
    pos = c.get("pos", "top")
    attr_plain = flow(attr, 72)       # long attributions are soft-wrapped too
    qtext = c.get("quote_plain") or quote(q, "> ", ">", width=74, flowed=True, nest=">")
    if pos == "inline":
        chunks, exp = [], []
        if c.get("pre"):
            chunks.append(c["pre"] + "\n")
            exp.append(c["pre"])
        chunks.append(attr_plain)
        first = True
        for kind, t in c["segments"]:
            if kind == "q":
                chunks.append(quote(t, "> ", ">", width=74, flowed=True, nest=">"))
            else:
                chunks.append("\n" + t + "\n")
                exp.append(t)
        text = "\n".join(chunks)
        if sig:
            text = text.rstrip("\n") + "\n\n-- \n" + sig
        text += "\n"
        expected = "\n\n".join(exp)
        new = expected
    elif pos == "bottom":
        new = c["new"]
        text = attr_plain + "\n" + qtext + "\n\n" + new + ("\n\n-- \n" + sig if sig else "") + "\n"
        expected = new
    else:
        new = c["new"]
        text = new + ("\n\n-- \n" + sig if sig else "") + "\n\n" + attr_plain + "\n" + qtext + "\n"
        expected = new
    for l in expected.split("\n"):
        assert len(l) <= 72, ("flowed new text must not need soft breaks", c["name"], l)
    cust_dom = c["from"][1].split("@")[1]
    mid = f"<{ruuid()}@{cust_dom}>"
    ua = c.get("ua", "Mozilla Thunderbird")
    headers = [
        ("Message-ID", mid),
        ("Date", c["date"]),
        ("MIME-Version", "1.0"),
        ("User-Agent", ua),
        ("Subject", ew(c["subject"])),
        ("To", HD),
        ("References", refs_fold(c["refs"])),
        ("Content-Language", c.get("clang", "en-GB")),
        ("From", addr(*c["from"])),
        ("In-Reply-To", c["refs"][-1]),
    ]
    ascii_only = all(ord(ch) < 128 for ch in text)
    cte = "7bit" if ascii_only else "8bit"
    if c.get("html"):
        boundary = "------------" + ralnum(24)
        htmlnew = "<p>" + "</p>\n<p>".join(html_br(p) for p in new.split("\n\n")) + "</p>"
        sightml = f'<pre class="moz-signature" cols="72">-- \n{e(sig)}</pre>' if sig else ""
        htmlpart = (
            "<!DOCTYPE html>\n<html>\n  <head>\n    <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\n"
                    "  </head>\n  <body>\n    " + htmlnew + "\n    <div class=\"moz-signature\">" + sightml + "</div>\n"
                    f"    <div class=\"moz-cite-prefix\">{e(attr)}<br>\n    </div>\n"
                    f"    <blockquote type=\"cite\" cite=\"mid:{c['refs'][-1][1:-1]}\">\n      " + html_br(q)
                    + "\n    </blockquote>\n    <br>\n  </body>\n</html>\n")
        headers.append(("Content-Type", f'multipart/alternative;\n boundary="{boundary}"'))
        parts = [
            (["Content-Type: text/plain; charset=UTF-8; format=flowed",
              f"Content-Transfer-Encoding: {cte}"], text),
            (["Content-Type: text/html; charset=UTF-8", f"Content-Transfer-Encoding: {cte}"],
             htmlpart),
        ]
        body = "This is a multi-part message in MIME format.\n" + multipart(boundary, parts,
                                                                            closing_blank=True)
    else:
        headers.append(("Content-Type", "text/plain; charset=UTF-8; format=flowed"))
        headers.append(("Content-Transfer-Encoding", cte))
        body = text
    return headers, body, expected, False


def samsung(c):
    """Samsung Email: footer, blank lines, '-------- Original message --------' block."""
    new, hdr, q = c["new"], c["hdr"], c["quote"]
    footer = c["footer"]
    text = (new + "\n\n\n\n" + footer + "\n\n\n" + c["marker"] + "\n"
            + "\n".join(l + " " for l in hdr) + "\n\n" + q + "\n")
    htmlpart = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head><body>'
                + "".join('<div dir="auto">' + ("<br>" if not l.strip() else e(
                    l)) + "</div>" for l in new.split("\n"))
                + '<div dir="auto"><br></div><div dir="auto"><br></div><div dir="auto"><br></div>'
                + f'<div id="composer_signature" dir="auto"><div style="font-size:85%;color:#575757" dir="auto">{e(footer)}</div></div>'
                + '<div dir="auto"><br></div><div><br></div><div align="left" dir="auto" style="font-size:100%;color:#000000"><div>'
                + e(c["marker"]) + "</div><div>" + "</div><div>".join(e(
                    l) + " " for l in hdr) + "</div><div><br></div></div>"
                + html_br(q) + "</body></html>")
    boundary = "--_com.samsung.android.email_" + str(RNG.randint(10 ** 14, 10 ** 15 - 1)) + "0"
    mid = f"<{ralnum(24, 'abcdefghijklmnopqrstuvwxyz0123456789')}.{RNG.randint(10**12, 10**13-1)}@email.android.com>"
    headers = [
        ("Message-ID", mid),
        ("MIME-Version", "1.0"),
        ("From", addr(*c["from"])),
        ("Date", c["date"]),
        ("Subject", ew(c["subject"], "UTF-8", "B")),
        ("To", HD),
        ("Importance", "normal"),
        ("X-Priority", "3"),
        ("In-Reply-To", c["refs"][-1]),
        ("References", refs_fold(c["refs"], " ")),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    parts = [
        (["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"], b64(
            text) + "\n"),
        (["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64"], b64(
            htmlpart) + "\n"),
    ]
    return headers, multipart(boundary, parts), new, False


def proton(c):
    """Proton Mail web: '------- Original Message -------' then the attribution."""
    new, q, attr = c["new"], c["quote"], c["attr"]
    text = new + "\n\n\n" + "------- Original Message -------\n" + attr + "\n\n\n" + quote(
        q, "> ", ">") + "\n"
    htmlpart = ('<div style="font-family: Arial, sans-serif; font-size: 14px;">'
                + "".join("<div>" + ("<br>" if not l.strip() else e(
                    l)) + "</div>" for l in new.split("\n"))
                + '</div><div class="protonmail_quote"><br>\n        ------- Original Message -------<br>\n        '
                + e(
                    attr) + '<br><br>\n        <blockquote class="protonmail_quote" type="cite">\n            '
                + html_br(q) + "\n        </blockquote><br>\n    </div>")
    boundary = "b1=_" + ralnum(43)
    mid = "<" + ralnum(86,
                       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") + "=@proton.me>"
    headers = [
        ("Date", c["date"]),
        ("To", HD),
        ("From", addr(*c["from"])),
        ("Subject", ew(c["subject"])),
        ("Message-ID", mid),
        ("In-Reply-To", c["refs"][-1]),
        ("References", refs_fold(c["refs"], " ")),
        ("Feedback-ID", f"{RNG.randint(10**7, 10**8-1)}:user:proton"),
        ("X-Pm-Message-ID", ralnum(40) + "_" + ralnum(40)),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative;\n boundary="{boundary}"'),
    ]
    parts = [
        (["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
         qp(text)),
        (["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
         qp(htmlpart)),
    ]
    return headers, multipart(boundary, parts, closing_blank=True), new, False


def fastmail(c):
    """Fastmail web: 'On Mon, 3 Feb 2025, at 15:20, Name wrote:' directly followed by '> '."""
    new, q, attr = c["new"], c["quote"], c["attr"]
    text = new + "\n\n" + attr + "\n" + quote(q, "> ", ">") + "\n"
    htmlpart = (
        '<!DOCTYPE html><html><head><title></title><style type="text/css">p.MsoNormal,p.MsoNoSpacing{margin:0}</style></head><body>'
                + "".join("<div>" + ("<br>" if not l.strip() else e(
                    l)) + "</div>" for l in new.split("\n"))
                + f'<div><br></div><div>{e(attr)}</div><blockquote type="cite" id="qt" style="">'
                + "".join("<div>" + ("<br>" if not l.strip() else e(l)) + "</div>" for l in q.split(
                    "\n"))
                + "</blockquote><div><br></div></body></html>")
    boundary = rhex(32)
    headers = [
        ("MIME-Version", "1.0"),
        ("Date", c["date"]),
        ("From", f'"{c["from"][0]}" <{c["from"][1]}>'),
        ("To", f'"{HD_NAME}" <{HD_ADDR}>'),
        ("Message-Id", f"<{ruuid()}@app.fastmail.com>"),
        ("In-Reply-To", c["refs"][-1]),
        ("References", refs_fold(c["refs"])),
        ("Subject", ew(c["subject"])),
        ("X-Mailer", "MessagingEngine.com Webmail Interface"),
        ("User-Agent", c.get("ua",
                             "Cyrus-JMAP/3.13.0-alpha0-1267-g4c1b2d9f0a-fm-20250224.001-g4c1b2d9f")),
        ("Content-Type", f'multipart/alternative;\n boundary={boundary}'),
    ]
    parts = [
        (["Content-Type: text/plain"] if all(ord(ch) < 128 for ch in text) else [
            "Content-Type: text/plain;charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable"],
         text if all(ord(ch) < 128 for ch in text) else qp(text)),
        (["Content-Type: text/html;charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
         qp(htmlpart)),
    ]
    return headers, multipart(boundary, parts), new, False


def plain_unix(c):
    """Mutt/NeoMutt, Evolution, K-9, eM Client, Horde: single text/plain part."""
    kind = c["client"]
    attr = c["attr"]
    q = c["quote"]
    sig = c.get("sig")
    pos = c.get("pos", "top")
    qp_ = c.get("qprefix", "> ")
    qempty = c.get("qempty", ">")
    if c.get("prewrap"):
        q = hard_wrap(q, c["prewrap"])
    qtext = c.get("quote_plain") or quote(q, qp_, qempty, width=c.get("qwidth"), flowed=c.get(
        "qflowed", False))
    if pos == "inline":
        chunks, exp = [attr], []
        for k, t in c["segments"]:
            if k == "q":
                chunks.append(quote(t, qp_, qempty))
            else:
                chunks.append("\n" + t + "\n")
                exp.append(t)
        text = "\n".join(chunks).rstrip("\n")
        if sig:
            text += "\n\n-- \n" + sig
        text += "\n"
        expected = "\n\n".join(exp)
    elif pos == "bottom":
        expected = c["new"]
        text = attr + "\n" + qtext + "\n\n" + expected + ("\n\n-- \n" + sig if sig else "") + "\n"
    elif pos == "top-sig-end":      # K-9 default: reply, quote, then the signature at the very end
        expected = c["new"]
        text = expected + "\n\n" + attr + "\n" + qtext + "\n\n-- \n" + sig + "\n"
    else:
        expected = c["new"]
        gap = "\n" * c.get("gap", 2)
        text = expected + ("\n\n-- \n" + sig if sig else "") + gap + attr + "\n" + qtext + "\n"
    cust_dom = c["from"][1].split("@")[1]
    subj = ew(c["subject"])
    if kind == "mutt":
        host = c.get("host", "ws-0231." + cust_dom)
        headers = [
            ("Date", c["date"]),
            ("From", addr(*c["from"])),
            ("To", HD),
            ("Subject", subj),
            ("Message-ID", f"<{ralnum(16)}@{host}>"),
            ("References", refs_fold(c["refs"])),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Disposition", "inline"),
            ("Content-Transfer-Encoding", "8bit" if any(ord(ch) > 127 for ch in text) else "7bit"),
            ("In-Reply-To", c["refs"][-1]),
            ("User-Agent", c.get("ua", "NeoMutt/20241212")),
        ]
        return headers, text, expected, False
    if kind == "evolution":
        headers = [
            ("Message-ID", f"<{rhex(40)}.camel@{cust_dom}>"),
            ("Subject", subj),
            ("From", addr(*c["from"])),
            ("To", HD),
            ("Date", c["date"]),
            ("In-Reply-To", c["refs"][-1]),
            ("References", refs_fold(c["refs"], "\n\t ")),
            ("Content-Type", 'text/plain; charset="UTF-8"'),
            ("User-Agent", c.get("ua", "Evolution 3.52.3-0ubuntu1 ")),
            ("MIME-Version", "1.0"),
            ("Content-Transfer-Encoding", "8bit" if any(ord(ch) > 127 for ch in text) else "7bit"),
        ]
        return headers, text, expected, False
    if kind == "k9":
        headers = [
            ("Date", c["date"]),
            ("User-Agent", "K-9 Mail for Android"),
            ("In-Reply-To", c["refs"][-1]),
            ("References", refs_fold(c["refs"], " ")),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain;\n charset=utf-8"),
            ("Content-Transfer-Encoding", "quoted-printable"),
            ("Subject", subj),
            ("To", HD),
            ("From", addr(*c["from"])),
            ("Message-ID", f"<{ruuid(True)}@{cust_dom}>"),
        ]
        return headers, qp(text, extra=".") + "\n", expected, False
    if kind == "emclient":
        host = rhex(8)
        headers = [
            ("From", f'"{c["from"][0]}" <{c["from"][1]}>' if all(ord(ch) < 128 for ch in c["from"][
                0]) else addr(*c["from"])),
            ("To", f'"{HD_NAME}" <{HD_ADDR}>'),
            ("Subject", subj),
            ("Date", c["date"]),
            ("Message-Id", f"<em{ruuid()}@{host}.com>"),
            ("In-Reply-To", c["refs"][-1]),
            ("References", refs_fold(c["refs"])),
            ("Reply-To", f'"{c["from"][0]}" <{c["from"][1]}>' if all(ord(ch) < 128 for ch in c[
                "from"][0]) else addr(*c["from"])),
            ("User-Agent", c.get("ua", "eM_Client/10.1.4828.0")),
            ("Mime-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8; format=flowed"),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ]
        return headers, qp(text) + "\n", expected, True
    if kind == "horde":
        stamp = c["stamp"]
        headers = [
            ("Date", c["date"]),
            ("Message-ID", f"<{stamp}.Horde.{ralnum(22)}@webmail.{cust_dom}>"),
            ("From", addr(*c["from"])),
            ("To", HD),
            ("Subject", subj),
            ("References", refs_fold(c["refs"])),
            ("In-Reply-To", c["refs"][-1]),
            ("User-Agent", "Horde Application Framework 5"),
            ("Content-Type", "text/plain; charset=utf-8; format=flowed; DelSp=Yes"),
            ("MIME-Version", "1.0"),
            ("Content-Disposition", "inline"),
            ("Content-Transfer-Encoding", "8bit"),
        ]
        return headers, text, expected, False
    raise ValueError(kind)


def zimbra(c):
    """Zimbra web client in HTML mode: '----- Mail original -----' block, lines end in a space."""
    new, hdr, q = c["new"], c["hdr"], c["quote"]
    text = (new + "\n\n" + c["marker"] + " \n" + "\n".join(l + " " for l in hdr) + "\n\n"
            + "\n".join((l + " ") if l.strip() else "" for l in q.split("\n")) + "\n")
    hb = "".join(
        f"<b>{e(l.split(':', 1)[0])}: </b>{e(l.split(':', 1)[1].strip())}<br>" for l in hdr)
    htmlpart = (
        '<html><body><div style="font-family: arial, helvetica, sans-serif; font-size: 12pt; color: #000000">'
                + "".join("<div>" + ("<br data-mce-bogus=\"1\">" if not l.strip() else e(
                    l)) + "</div>" for l in new.split("\n"))
                + '<div><br></div><hr id="zwchr" data-marker="__DIVIDER__"><div data-marker="__HEADERS__">'
                + hb + '</div><div><br></div><div data-marker="__QUOTED_TEXT__">'
                + "".join("<div>" + ("<br>" if not l.strip() else e(l)) + "</div>" for l in q.split(
                    "\n"))
                + "</div></div></body></html>")
    boundary = "=_" + ruuid()
    cust_dom = c["from"][1].split("@")[1]
    headers = [
        ("Date", c["date"]),
        ("From",
         f'{ew(c["from"][0]) if any(ord(ch) > 127 for ch in c["from"][0]) else chr(34) + c["from"][0] + chr(34)} <{c["from"][1]}>'),
        ("To", f'"{HD_NAME}" <{HD_ADDR}>'),
        ("Message-ID",
         f"<{RNG.randint(10**8, 10**9-1)}.{RNG.randint(10**7, 10**8-1)}.{c['epoch']}.JavaMail.zimbra@{cust_dom}>"),
        ("In-Reply-To", c["refs"][-1]),
        ("References", refs_fold(c["refs"], " ")),
        ("Subject", ew(c["subject"])),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; \n\tboundary="{boundary}"'),
        ("X-Originating-IP", "[10.40.2.17]"),
        ("X-Mailer", c.get("xmailer",
                           "Zimbra 10.0.12_GA_4708 (ZimbraWebClient - FF136 (Win)/10.0.12_GA_4708)")),
        ("Thread-Topic", ew(c["subject"].split(": ", 1)[-1])),
        ("Thread-Index", ralnum(28)),
    ]
    parts = [
        (["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
         qp(text)),
        (["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
         qp(htmlpart)),
    ]
    return headers, multipart(boundary, parts), new, False


def notes(c):
    """HCL Notes 12 (German): three blank lines, tab-separated Von/An/Datum/Betreff block."""
    new, hdr, q = c["new"], c["hdr"], c["quote"]
    text = new + "\n\n\n\n" + "\n".join(hdr) + "\n\n\n\n" + q + "\n"
    htmlpart = ('<html><body><p><font size=2 face="sans-serif">' + html_br(
        new) + "</font><br><br><br><br>"
                + "".join(
                    f'<font size=1 color=#5f5f5f face="sans-serif">{e(l.split(chr(9))[0])}&nbsp; &nbsp; &nbsp; &nbsp;</font>'
                          f'<font size=1 face="sans-serif">{e(l.split(chr(9))[1])}</font><br>' for l in hdr)
                + '<br><hr noshade><br><br><br><tt><font size=2>' + html_br(
                    q) + "</font></tt><br></body></html>")
    h1 = rhex(8, True)
    h2 = rhex(8, True)
    boundary = f"=_alternative {h2}C1258C4A_="
    headers = [
        ("In-Reply-To", c["refs"][-1]),
        ("References", refs_fold(c["refs"])),
        ("Subject", ew(c["subject"], "ISO-8859-1", "Q")),
        ("From", addr(*c["from"], charset="ISO-8859-1")),
        ("To", HD),
        ("MIME-Version", "1.0"),
        ("X-KeepSent", f"{h1}:{rhex(8, True)}-C1258C4A:{rhex(8, True)}; type=4; name=$KeepSent"),
        ("X-Mailer", c.get("xmailer", "HCL Notes Release 12.0.2FP4 July 12, 2024")),
        ("Message-ID",
         f"<OF{h1}.{rhex(8, True)}-ONC1258C4A.{rhex(8, True)}-C1258C4A.{h2}@{c['from'][1].split('@')[1]}>"),
        ("Date", c["date"]),
        ("X-MIMETrack", "Serialize by Router on MAIL02/SRV/UNI at " + c["mimetrack"]),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    parts = [
        (['Content-Type: text/plain; charset="ISO-8859-1"',
          "Content-Transfer-Encoding: quoted-printable"], qp(text, "iso-8859-1") + "\n"),
        (['Content-Type: text/html; charset="ISO-8859-1"',
          "Content-Transfer-Encoding: quoted-printable"], qp(htmlpart, "iso-8859-1") + "\n"),
    ]
    return headers, multipart(boundary, parts), new, True


def gmx(c):
    """GMX / WEB.DE webmail (new mail client): HTML-only, 'Gesendet:' first in the quote header."""
    new, hdr, q = c["new"], c["hdr"], c["quote"]
    hb = "<br/>\n".join(
        f"<b>{e(l.split(':', 1)[0])}:</b>&nbsp;{e(l.split(':', 1)[1].strip())}" for l in hdr)
    lines = "".join("<div>" + ("&nbsp;" if not l.strip() else e(l)) + "</div>\n" for l in new.split(
        "\n"))
    htmlpart = ('<html><head></head><body><div style="font-family: Verdana;font-size: 12.0px;">'
                + lines + "<div>&nbsp;</div>\n<div>&nbsp;</div>\n"
                '<div name="quote" style="margin:10px 5px 5px 10px; padding: 10px 0 10px 10px; border-left:2px solid #C3D9E5; '
                'word-wrap: break-word; -webkit-nbsp-mode: space; -webkit-line-break: after-white-space;">\n'
                '<div style="margin:0 0 10px 0;">' + hb + "</div>\n"
                '<div name="quoted-content">' + "".join("<div>" + ("&nbsp;" if not l.strip() else e(
                    l)) + "</div>\n" for l in q.split("\n"))
                + "</div>\n</div>\n</div></body></html>\n")
    epoch_ms = c["epoch_ms"]
    headers = [
        ("MIME-Version", "1.0"),
        ("Message-ID", f"<trinity-{ruuid()}-{epoch_ms}@{c.get('apphost', '3c-app-webde-bap27')}>"),
        ("From", f'"{c["from"][0]}" <{c["from"][1]}>' if all(ord(ch) < 128 for ch in c["from"][
            0]) else addr(*c["from"])),
        ("To", f'"{HD_NAME}" <{HD_ADDR}>'),
        ("Subject", ew(c["subject"])),
        ("Content-Type", "text/html; charset=UTF-8"),
        ("Content-Transfer-Encoding", "quoted-printable"),
        ("Date", c["date"]),
        ("Importance", "normal"),
        ("Sensitivity", "Normal"),
        ("In-Reply-To", c["refs"][-1]),
        ("References", refs_fold(c["refs"])),
        ("X-UI-Message-Type", "mail"),
        ("X-Priority", "3"),
    ]
    return headers, qp(htmlpart) + "\n", new, False


BUILDERS = {
    "outlook": outlook_win, "owa": owa, "outlookios": outlook_mobile,
    "outlookandroid": outlook_mobile,
    "outlookmac": outlook_mac, "gmail": gmail, "gmailandroid": gmail, "gmailios": gmail,
    "apple": apple_mail, "ios": ios_mail, "thunderbird": thunderbird, "samsung": samsung,
    "protonmail": proton, "fastmail": fastmail, "mutt": plain_unix, "evolution": plain_unix,
    "k9": plain_unix, "emclient": plain_unix, "horde": plain_unix, "zimbra": zimbra,
    "notes": notes, "webde": gmx, "gmx": gmx,
}


# --------------------------------------------------------------------------
# the cases
# --------------------------------------------------------------------------

HD_FROM_EN = f"From: {HD_NAME} <{HD_ADDR}>"

CASES = []


def case(**kw):
    CASES.append(kw)


# ============================== English ===================================

case(
    name="outlook-en-us-list-and-title-signature", client="outlook", lang="en",
    transport="exchange", mshost="SA1PR04MB8231.namprd04.prod.outlook.com",
    ns="namprd04.prod.outlook.com",
    from_=("Grace Whitfield", "g.whitfield@lakeshore.edu.example"),
    date="Thu, 14 Nov 2024 20:41:09 +0000",
    subject="RE: [#5120] Placement report export is missing the supervisor column",
    hdr=[HD_FROM_EN + " ",
         "Sent: Thursday, November 14, 2024 10:07 AM",
         "To: Grace Whitfield <g.whitfield@lakeshore.edu.example>",
         "Subject: [#5120] Placement report export is missing the supervisor column"],
    quote="""Hello Grace,

Thank you for reporting this. The supervisor column was dropped from the CSV export by last Tuesday's update (version 8.14). We deployed a fix this morning.

Could you run the "Placements by term" export again and tell us whether the column is back?

Kind regards,
Priya Raman
Example Helpdesk""",
    new="""Hi Priya,

Thanks for looking into this so quickly. I re-ran the export this afternoon and the supervisor column is back, but a few things still look off:

- supervisor emails are blank for placements created before September
- the "Host organisation" column now repeats the department name
- the file name still carries last year's academic session

Could you let me know whether the first one needs a data fix on our side? We need the full export for the accreditation visit on the 26th.

Many thanks,
Grace

Grace Whitfield
Placement Systems Officer | Careers & Employability
Lakeshore University
T: +1 (555) 014-2286""",
)

case(
    name="outlook-en-gb-original-message-mentions-from", client="outlook", lang="en",
    plain=True, separator="-----Original Message-----", clang="en-gb",
    from_=("Declan Moorcroft", "d.moorcroft@glenbridge.ac.example"),
    date="Mon, 9 Dec 2024 11:26:47 +0000",
    subject="RE: [#5244] Invoice INV-2024-1187 rejected by our finance system",
    hdr=[HD_FROM_EN + " ",
         "Sent: 06 December 2024 16:52",
         "To: Declan Moorcroft <d.moorcroft@glenbridge.ac.example>",
         "Subject: [#5244] Invoice INV-2024-1187 rejected by our finance system"],
    quote="""Dear Declan,

Thank you for your message. Invoice INV-2024-1187 (annual licence, placements module, 60 seats) was issued on 2 December. Your system returned it to us with the reason "unknown sender".

Could you check with your finance team what is needed for the invoice to be accepted?

Best regards,
Tomasz Nowicki
Example Helpdesk""",
    new="""Hello,

I've spoken to our accounts payable team. The problem is not the invoice itself but the sender: the From: address on your invoice emails is billing-noreply@example.com, and our finance system only accepts invoices from the address on the supplier record, which is accounts@example.com.

Could you either resend INV-2024-1187 from accounts@example.com, or confirm in writing that billing-noreply@example.com is a genuine sending address so that we can add it?

Best wishes,
Declan Moorcroft
Finance & Systems Administrator, Work-Based Learning Office""",
)

case(
    name="outlookmac-en-us-date-at", client="outlookmac", lang="en",
    from_=("Tom Aldridge", "taldridge@northfield-state.edu.example"),
    date="Mon, 13 Jan 2025 17:08:31 -0600",
    subject="Re: [#5391] Scheduling a walkthrough of the new employer portal",
    hdr=[HD_FROM_EN,
         "Date: Monday, January 13, 2025 at 4:52\u202fPM",
         "To: Tom Aldridge <taldridge@northfield-state.edu.example>",
         "Subject: Re: [#5391] Scheduling a walkthrough of the new employer portal"],
    quote="""Hi Tom,

Happy to show you the new employer portal before it goes live. We could do Thursday, January 16 at 10:30 or 2:00 (Central), about 45 minutes on Teams.

Who should receive the invitation?

Best,
Jordan Ellis
Example Helpdesk""",
    new="""Thursday at 10:30 Central works for all three of us. Please send the invite to me and I'll forward it to Dana and Luis.

Cheers,
Tom""",
)

case(
    name="owa-en-gb-oneliner-en-dash", client="owa", lang="en",
    mshost="LO4P265MB6018.GBRP265.PROD.OUTLOOK.COM",
    from_=("Imogen Hartley", "i.hartley@kingsmere.ac.example"),
    date="Thu, 27 Feb 2025 11:19:52 +0000",
    subject="RE: [#5602] Students can't see the reflective log after submitting",
    hdr=[HD_FROM_EN,
         "Sent: Thursday, 27 February 2025 11:03",
         "To: Imogen Hartley <i.hartley@kingsmere.ac.example>",
         "Subject: [#5602] Students can't see the reflective log after submitting"],
    quote="""Hi Imogen,

We found the cause: the log was hidden because the submission window for the Year 2 module closed at midnight UTC instead of midnight UK time. We've corrected the window; both students should see their logs again once they refresh the page.

Let us know if it still doesn't work.

Best wishes,
Hannah Cole
Example Helpdesk""",
    new="Thanks \u2013 that's fixed it for both students, much appreciated.",
)

case(
    name="outlookandroid-en-footer", client="outlookandroid", lang="en", os="android",
    from_=("Marcus Oyelaran", "m.oyelaran@harbourside.ac.example"),
    date="Tue, 11 Mar 2025 08:16:02 +0000",
    subject="Re: [#5688] SSO login loops back to the sign-in page",
    footer="Get Outlook for Android<https://aka.ms/AAb9ysg>",
    hdr=[HD_FROM_EN,
         "Sent: Monday, March 10, 2025 5:47:12 PM",
         "To: Marcus Oyelaran <m.oyelaran@harbourside.ac.example>",
         "Subject: [#5688] SSO login loops back to the sign-in page"],
    quote="""Hi Marcus,

Thanks for the screenshots. The loop happens when the browser still holds a session from the old login page. Could you try signing in from a private/incognito window and tell us whether that works?

Regards,
Sam Whitaker
Example Helpdesk""",
    new="""Morning, yes the private window works. I'll ask IT to clear the old session cookie policy and let you know.

Marcus""",
)

case(
    name="gmail-en-us-narrow-nbsp-oneliner", client="gmail", lang="en",
    from_=("Rachel Kim", "rkim@pinecrest.edu.example"),
    date="Wed, 5 Feb 2025 09:58:14 -0800",
    subject="Re: [#5517] Bulk upload of host organisations",
    attr="On Wed, Feb 5, 2025 at 9:41\u202fAM Example Helpdesk <helpdesk@example.com> wrote:",
    quote="""Hi Rachel,

The upload failed because the template you used is from 2023 and has no "Postcode" column. Please download the current template from Settings > Imports > Host organisations and try again.

Thanks,
Alex
Example Helpdesk""",
    new="Perfect, the new template uploaded without a single error. Thank you!",
)

case(
    name="gmail-en-nested-bold-from-forward", client="gmail", lang="en",
    from_=("Sunita Mehra", "s.mehra@harrowgate.ac.example"),
    to=f"{HD}, Owen Trask <o.trask@harrowgate.ac.example>",
    date="Wed, 29 Jan 2025 10:12:37 +0000",
    subject="Re: [#5460] Feature request: reminder emails to workplace supervisors",
    attr="On Tue, 28 Jan 2025 at 16:05, Owen Trask <o.trask@harrowgate.ac.example> wrote:",
    quote="""Sunita, see below from the helpdesk. Can you give them our list? I'm out until Monday.

Owen

*From:* Example Helpdesk <helpdesk@example.com>
*Sent:* 28 January 2025 14:22
*To:* Owen Trask <o.trask@harrowgate.ac.example>
*Subject:* [#5460] Feature request: reminder emails to workplace supervisors

Dear Owen,

Thank you for the suggestion. Our product team would like to understand how the reminders should work. Could you tell us when they should be sent and who should receive a copy?

Kind regards,
Mei Lin Tan
Example Helpdesk""",
    new="""Hi Mei Lin,

Picking this up for Owen. What we have in mind:

1. a first reminder 7 days before the mid-placement review is due
2. a second one on the due date if the form is still empty
3. a copy of the second reminder to the student's placement tutor

Supervisors should be able to switch the reminders off for a single placement, for example when the student is on sick leave.

Happy to join a call if that's easier.

Best,
Sunita""",
)

case(
    name="gmail-en-mentions-wrote-dashdash-signature", client="gmail", lang="en",
    from_=("Bethan Pryce", "b.pryce@caerwen.ac.example"),
    date="Fri, 21 Mar 2025 14:12:40 +0000",
    subject="Re: [#5733] Duplicate student records after the nightly sync",
    attr="On Fri, 21 Mar 2025 at 10:31, Example Helpdesk <helpdesk@example.com> wrote:",
    quote="""Hi Bethan,

We merged the 14 duplicate records from your list. The duplicates were created because the nightly sync matched on email address instead of student number.

Is there anything else you noticed after the merge?

Best wishes,
Ffion Evans
Example Helpdesk

-- 
Example Helpdesk | help.example.com""",
    new="""Hi Ffion,

As I wrote on Wednesday, the duplicates only appear for students who changed programme during the year. The records you merged this morning look right now.

One more thing: my colleague Rhodri wrote the original import rules back in 2022, so he is the best person to talk to if the matching logic needs changing. I've copied him in.

Diolch,
Bethan""",
    sig="""Bethan Pryce
Placements Data Manager | Rheolwr Data Lleoliadau
Caerwen University""",
)

case(
    name="gmail-en-via-group-three-line-attribution", client="gmail", lang="en",
    from_=("Holly Brennan", "h.brennan@ashgrove.ac.example"),
    to=f"{HD}, Careers and Placements Office Shared Mailbox <careers-and-placements-office@ashgrove.ac.example>",
    date="Wed, 19 Feb 2025 15:20:33 +0000",
    subject="Re: [#5597] Renewal date for the placements licence",
    attr="On Wed, 19 Feb 2025 at 14:37, 'Example Helpdesk' via Careers and Placements Office Shared Mailbox <careers-and-placements-office@ashgrove.ac.example> wrote:",
    quote="""Hello,

Your placements licence runs until 31 July 2025. We will send the renewal quote in May, based on your current 40 staff accounts.

Please let us know if the numbers will change.

Kind regards,
Rosa Lindgren
Example Helpdesk""",
    new="""Hi Rosa,

Thanks for confirming. The 31 July renewal date suits us, as it lines up with our financial year.

Could you send the quote to me directly rather than to the shared mailbox? Messages to the shared mailbox sometimes sit there for days.

Holly""",
)

case(
    name="gmailios-en-us-short", client="gmailios", lang="en", app="ios",
    from_=("Luis Ortega", "lortega@bayview.edu.example"),
    date="Thu, 6 Feb 2025 15:02:27 -0800",
    subject="Re: [#5529] Can we move Friday's training session?",
    attr="On Thu, Feb 6, 2025 at 2:18\u202fPM Example Helpdesk <helpdesk@example.com> wrote:",
    quote="""Hi Luis,

Unfortunately our trainer is unavailable on Friday the 7th. Could we move the session to Friday, February 14 at 11am Pacific?

Thanks,
Morgan
Example Helpdesk""",
    new="""Yes, 11am Pacific on the 14th is fine. Same Zoom link?

Luis""",
)

case(
    name="gmailandroid-en-gb-comma-after-name", client="gmailandroid", lang="en", app="android",
    from_=("Niamh Gallagher", "niamh.gallagher@corrib.ac.example"),
    date="Fri, 7 Mar 2025 16:40:05 +0000",
    subject="Re: [#5671] Password reset link expired",
    attr="On Fri, 7 Mar 2025, 16:22 Example Helpdesk, <helpdesk@example.com> wrote:",
    quote="""Hi Niamh,

I've sent you a fresh password reset link; it is valid for 30 minutes. The previous one had already been used, and each link only works once.

Kind regards,
Ciar\u00e1n
Example Helpdesk""",
    new="Got in now, thanks a million. The new link worked first time.",
)

case(
    name="apple-en-gb-inline-answers-plaintext", client="apple", lang="en", plain_only=True,
    from_=("Fiona Strachan", "f.strachan@dunmore.ac.example"),
    date="Tue, 18 Feb 2025 09:47:33 +0000",
    subject="Re: [#5590] Questions before we renew",
    attr="On 17 Feb 2025, at 16:30, Example Helpdesk <helpdesk@example.com> wrote:",
    pre="""Hi Nadia,

Answers below.""",
    segments=[
        ("q", """Hello Fiona,

Before we prepare the renewal quote, could you confirm a few details?

1. How many staff accounts do you need next year?"""),
        ("r", "Twenty-two. We're adding the three new placement officers."),
        ("q", "2. Do you still use the mobile app for site visits?"),
        ("r", "Yes, but only the visit checklist. Nobody uses the expenses part."),
        ("q", "3. Should the invoice go to the same purchase order contact?"),
        ("r", "No, please send it to procurement@dunmore.ac.example and quote PO 44810."),
        ("q", """Thanks,
Nadia Ferreira
Example Helpdesk"""),
        ("r", """Thanks,
Fiona"""),
    ],
)

case(
    name="ios-en-ipad-name-block-footer", client="ios", lang="en", device="iPad", bom=True,
    from_=("Patrick Osei", "p.osei@eastmere.ac.example"),
    date="Sat, 15 Mar 2025 10:21:44 +0000",
    subject="Re: [#5702] Visit report form crashes on the iPad app",
    footer="Sent from my iPad",
    attr="On 14 Mar 2025, at 17:05, Example Helpdesk <helpdesk@example.com> wrote:",
    quote="""Hi Patrick,

Version 4.12 of the iPad app, released today, fixes the crash when a visit report contains more than five photos. Could you update the app and let us know if the problem is gone?

Best regards,
Kofi Mensah
Example Helpdesk""",
    new="""Hi Kofi,

Updated to 4.12 this morning and completed two visit reports without a crash. The photo upload is still slow on the university Wi-Fi, but that may be our network.

Thanks for the quick fix.

Patrick Osei
Senior Placement Coordinator
Eastmere University""",
)

case(
    name="thunderbird-en-us-html-signature", client="thunderbird", lang="en", html=True,
    clang="en-US",
    from_=("Hugh Pennington", "h.pennington@westholme.edu.example"),
    date="Wed, 22 Jan 2025 13:36:58 -0500",
    subject="Re: [#5433] Report builder: filter by placement start date",
    attr="On 1/22/25 11:02 AM, Example Helpdesk wrote:",
    quote="""Hi Hugh,

The report builder can't filter on the placement start date yet. As a workaround you can filter on "Created" and sort by "Start date"; this gives the same result for placements entered in the current term.

I've logged a feature request (FR-2291) for a start-date filter.

Best,
Chris Novak
Example Helpdesk""",
    new="""Hi Chris,

That workaround does the job for now, thanks.

Filtering on "Created" and sorting by start date gives us what we
need for the termly return. I'd still like a proper start-date filter
in a future release, so please keep the feature request open.

Thanks,
Hugh""",
    sig="""Dr Hugh Pennington
Director of Experiential Learning
Westholme University | 555-0142""",
)

case(
    name="samsung-en-us-verizon-footer", client="samsung", lang="en",
    from_=("Carla Benitez", "cbenitez@sierravista.edu.example"),
    date="Wed, 12 Mar 2025 11:04:19 -0700",
    subject="Re: [#5695] Locked out after three attempts",
    footer="Sent from my Verizon, Samsung Galaxy smartphone",
    marker="-------- Original message --------",
    hdr=[HD_FROM_EN,
         "Date: 3/12/25 10:31 AM (GMT-07:00)",
         "To: Carla Benitez <cbenitez@sierravista.edu.example>",
         "Subject: [#5695] Locked out after three attempts"],
    quote="""Hi Carla,

Your account was locked after three failed sign-in attempts. I have unlocked it; you can sign in again now.

Regards,
Jamie
Example Helpdesk""",
    new="I'm in, thank you! Could you also unlock my colleague Ana Ruiz? She got the same message this morning.",
)

case(
    name="protonmail-en-original-message-marker", client="protonmail", lang="en",
    from_=("Theo Marchetti", "theo.marchetti@proton.me"),
    date="Tue, 18 Feb 2025 13:52:07 +0000",
    subject="Re: [#5581] Access for an external placement assessor",
    attr="On Tuesday, February 18th, 2025 at 13:40, Example Helpdesk <helpdesk@example.com> wrote:",
    quote="""Dear Theo,

The university has asked us to give you assessor access. You should have received an invitation email from noreply@example.com; please accept it within 7 days.

Best regards,
Lucy Brennan
Example Helpdesk""",
    new="""Hello,

Thanks. I have accepted the invitation and can see the four students assigned to me.

One question: the assessment form asks for a "Supervisor ID". I'm an external assessor and don't have one. What should I enter there?

Regards,
Theo Marchetti""",
)

case(
    name="fastmail-en-numbered-list", client="fastmail", lang="en",
    from_=("Priya Natarajan", "p.natarajan@ashcombe-institute.example"),
    date="Mon, 03 Feb 2025 15:47:21 +1100",
    subject="Re: [#5502] Data export for our annual placement return",
    attr="On Mon, 3 Feb 2025, at 15:20, Example Helpdesk wrote:",
    quote="""Hi Priya,

Yes, we can set up a custom export for your annual return. Could you send us the list of fields you need?

Best,
Ben Foster
Example Helpdesk""",
    new="""Hi Ben,

Thanks, that's exactly what we need. For the return we need these fields per placement:

1. Student number
2. Host organisation ABN
3. Start and end date
4. Total hours logged
5. Supervisor sign-off date

Can the export be scheduled monthly, or is it a one-off?

Cheers,
Priya""",
)

case(
    name="mutt-en-inline-dashdash-signature", client="mutt", lang="en", pos="inline",
    from_=("Oskar Brandt", "oskar.brandt@fenwick.ac.example"), host="ws-0231.it.fenwick.ac.example",
    date="Thu, 30 Jan 2025 12:15:40 +0000",
    subject="Re: [#5479] SAML metadata for the new identity provider",
    attr="On Thu, Jan 30, 2025 at 11:47:09AM +0000, Example Helpdesk wrote:",
    quote="",
    segments=[
        ("q", """Hello Oskar,

To switch the placements portal to your new identity provider we need
three things from you:

1. the IdP metadata URL"""),
        ("r", "https://idp.fenwick.ac.example/realms/staff/protocol/saml/descriptor"),
        ("q", "2. the attribute that carries the staff or student number"),
        ("r", """eduPersonPrincipalName (urn:oid:1.3.6.1.4.1.5923.1.1.1.6). The student
number itself is not released to external services, sorry."""),
        ("q", "3. a date for the switch-over"),
        ("r", """Any weekday after 17 February, ideally before 09:00. I will be on call
that morning."""),
        ("q", """Kind regards,
Martin Kowal
Example Helpdesk"""),
        ("r", """Thanks,
Oskar"""),
    ],
    sig="""Oskar Brandt \u00b7 Identity & Access Team, IT Services
Fenwick University""",
)

case(
    name="evolution-en-bottom-post-signature", client="evolution", lang="en", pos="bottom",
    prewrap=72,
    from_=("Gwen Tallis", "gwen.tallis@moorland.ac.example"),
    date="Wed, 12 Feb 2025 14:31:09 +0000",
    subject='Re: [#5548] Timesheet approvals stuck in "Pending"',
    attr="On Wed, 2025-02-12 at 14:05 +0000, Example Helpdesk wrote:",
    quote="""Hi Gwen,

The approvals are stuck because the supervisor accounts were deactivated when the host organisation was merged last week.

We can either reactivate the old accounts or move the pending timesheets to the new supervisor. Which would you prefer?

Regards,
Olu Adeyemi
Example Helpdesk""",
    new="""Please move them to the new supervisor (Dr Kaye). The old accounts
belonged to staff who have left, so they should stay deactivated.

Gwen""",
    sig="""Gwen Tallis
Work Placements Office, Moorland University
01632 960 417""",
)

case(
    name="k9-en-top-signature-after-quote", client="k9", lang="en", pos="top-sig-end",
    qprefix=">", qempty=">",
    from_=("Arjun Desai", "a.desai@riverbend.ac.example"),
    date="Mon, 24 Mar 2025 18:02:51 +0000",
    subject="Re: [#5748] Room booking for the employer fair",
    attr="On 24 March 2025 16:45:12 GMT, Example Helpdesk <helpdesk@example.com> wrote:",
    quote="""Hello Arjun,

The employer fair on 2 April is booked in room B214 from 10:00 to 16:00. The booking is linked to your placement event in the portal, so students can sign up there.

Regards,
Ellie
Example Helpdesk""",
    new="""Thanks. Room B214 is fine, but we'll need it from 9 rather than 10 to set up the stands.

Arjun""",
    sig="Sent from my Android device with K-9 Mail. Please excuse my brevity.",
)

case(
    name="emclient-en-re2-subject", client="emclient", lang="en",
    qprefix=">", qempty=">", qwidth=76, qflowed=True, gap=3,
    from_=("Ruth Abernethy", "r.abernethy@lochside.ac.example"),
    date="Tue, 18 Feb 2025 09:51:06 +0000",
    subject="Re[2]: [#5571] Exporting student CVs as one PDF",
    attr="""------ Original Message ------
From "Example Helpdesk" <helpdesk@example.com>
To "Ruth Abernethy" <r.abernethy@lochside.ac.example>
Date 17/02/2025 15:12:44
Subject Re: [#5571] Exporting student CVs as one PDF
""",
    quote="""Hi Ruth,

You can now select several students in the applicant list and choose "Download CVs as one PDF". The option appears once at least two students are selected.

Best wishes,
Karen Doyle
Example Helpdesk""",
    new="""Hi Karen,

Thanks, the combined PDF works.

The CVs come out in surname order, though. Can we sort them by
placement sector instead? Health sector employers only want to
see their own applicants.

Kind regards
Ruth""",
)


# ============================== German ====================================

case(
    name="outlook-de-gesendet-signatur-ohne-trenner", client="outlook", lang="de",
    charset="iso-8859-1", clang="de", html_lang="DE",
    from_=("Dr. Sabine Kettler", "sabine.kettler@hs-mainbogen.example"),
    date="Tue, 21 Jan 2025 10:14:56 +0100",
    subject="AW: [#5421] Praxissemester-Vertr\u00e4ge werden nicht als PDF erzeugt",
    hdr=[f"Von: {HD_NAME} <{HD_ADDR}> ",
         "Gesendet: Montag, 20. Januar 2025 16:48",
         "An: Kettler, Sabine <sabine.kettler@hs-mainbogen.example>",
         "Betreff: [#5421] Praxissemester-Vertr\u00e4ge werden nicht als PDF erzeugt"],
    quote="""Sehr geehrte Frau Dr. Kettler,

die PDF-Erzeugung bricht ab, weil im Briefkopf Ihrer Vertragsvorlage ein Bild im Format TIFF eingebettet ist. Bitte ersetzen Sie es durch eine PNG- oder JPG-Datei, dann sollten die Vertr\u00e4ge wieder erzeugt werden.

Mit freundlichen Gr\u00fc\u00dfen
Emre Yilmaz
Example Helpdesk""",
    new="""Guten Morgen Herr Yilmaz,

vielen Dank f\u00fcr die schnelle R\u00fcckmeldung. Wie Sie schrieben, lag es an der Vorlage: Nach dem Austausch des Briefkopfs werden die Vertr\u00e4ge wieder erzeugt.

Eine Frage habe ich noch: K\u00f6nnen wir die Vorlage k\u00fcnftig selbst hochladen, oder muss das immer \u00fcber Sie laufen?

Mit freundlichen Gr\u00fc\u00dfen
Sabine Kettler

Dr. Sabine Kettler
Praxisreferat | Fakult\u00e4t Wirtschaft
Hochschule Mainbogen
Tel. +49 69 555 0173""",
)

case(
    name="owa-de-trennlinie-einzeiler", client="owa", lang="de",
    mshost="FR4P281MB3417.DEUP281.PROD.OUTLOOK.COM", clang="de-DE", accept="de-DE, en-US",
    from_=("Florian Hesse", "florian.hesse@uni-falkenau.example"),
    date="Wed, 26 Feb 2025 08:33:10 +0000",
    subject="AW: [#5611] Zugang f\u00fcr neue Kollegin",
    hdr=[f"Von: {HD_NAME} <{HD_ADDR}>",
         "Gesendet: Dienstag, 25. Februar 2025 17:12",
         "An: Hesse, Florian <florian.hesse@uni-falkenau.example>",
         "Betreff: [#5611] Zugang f\u00fcr neue Kollegin"],
    quote="""Hallo Herr Hesse,

wir haben f\u00fcr Frau Lange ein Konto mit der Rolle \u201ePraktikumsbeauftragte\u201c angelegt. Die Einladung ist an ihre Uni-Adresse unterwegs.

Viele Gr\u00fc\u00dfe
Jana Roth
Example Helpdesk""",
    new="Danke, Frau Lange kann sich jetzt anmelden. Das Ticket kann geschlossen werden.",
)

case(
    name="outlookios-de-herunterladen-footer", client="outlookios", lang="de", os="ios",
    clang="de-DE", accept="de-DE, en-US",
    from_=("Miriam Albrecht", "m.albrecht@th-wiesental.example"),
    date="Thu, 06 Mar 2025 19:27:45 +0000",
    subject="AW: [#5660] Terminvorschlag Schulung Praxisportal",
    footer="Outlook f\u00fcr iOS<https://aka.ms/o0ukef> herunterladen",
    footer_html='<a href="https://aka.ms/o0ukef">Outlook f\u00fcr iOS</a> herunterladen',
    hdr=[f"Von: {HD_NAME} <{HD_ADDR}>",
         "Gesendet: Donnerstag, 6. M\u00e4rz 2025 17:02:18",
         "An: Miriam Albrecht <m.albrecht@th-wiesental.example>",
         "Betreff: [#5660] Terminvorschlag Schulung Praxisportal"],
    quote="""Hallo Frau Albrecht,

f\u00fcr die Schulung zum neuen Praxisportal k\u00f6nnen wir Ihnen folgende Termine anbieten:

- Dienstag, 18. M\u00e4rz, 14:00\u201316:00 Uhr
- Donnerstag, 20. M\u00e4rz, 09:30\u201311:30 Uhr

Die Schulung findet bei Ihnen vor Ort statt. Bitte geben Sie uns kurz Bescheid, welcher Termin passt.

Beste Gr\u00fc\u00dfe
Lukas Becker
Example Helpdesk""",
    new="""Hallo Herr Becker,

der 18.03. um 14 Uhr passt uns gut. Wir sind zu f\u00fcnft, ein Raum ist reserviert (Geb\u00e4ude C, Raum 2.14).

Gru\u00df
Miriam Albrecht""",
)

case(
    name="gmail-de-umbruch-nach-kleiner-als", client="gmail", lang="de",
    from_=("Jonas Weidinger", "jonas.weidinger@ph-seeland.example"),
    date="Tue, 14 Jan 2025 10:23:51 +0100",
    subject="Re: [#5398] Fehlermeldung beim Import der Praktikumsstellen",
    attr="Am Mo., 13. Jan. 2025 um 16:40 Uhr schrieb Example Helpdesk <helpdesk@example.com>:",
    quote="""Hallo Herr Weidinger,

die Fehlermeldung entsteht, weil die CSV-Datei im Format Windows-1252 gespeichert ist. Umlaute werden dadurch falsch gelesen. Bitte speichern Sie die Datei als \u201eCSV UTF-8\u201c und versuchen Sie den Import erneut.

Freundliche Gr\u00fc\u00dfe
Anja Schubert
Example Helpdesk""",
    new="""Hallo Frau Schubert,

danke f\u00fcr die Erkl\u00e4rung. Ich habe die Datei jetzt als UTF-8 gespeichert und erneut importiert. 212 von 215 Stellen wurden \u00fcbernommen.

Bei den restlichen drei kommt die Meldung \u201ePostleitzahl ung\u00fcltig\u201c. Es handelt sich um Stellen in \u00d6sterreich mit vierstelliger PLZ. Werden ausl\u00e4ndische Adressen \u00fcberhaupt unterst\u00fctzt?

Viele Gr\u00fc\u00dfe
Jonas Weidinger""",
)

case(
    name="thunderbird-de-oben-mit-signatur", client="thunderbird", lang="de", clang="de-DE",
    from_=("Ulrike Brandst\u00e4tter", "u.brandstaetter@hs-ostheide.example"),
    date="Fri, 31 Jan 2025 11:42:18 +0100",
    subject="Re: [#5487] Berichtsvorlage f\u00fcr Praxisberichte",
    attr="Am 30.01.25 um 15:20 schrieb Example Helpdesk:",
    quote="""Hallo Frau Brandst\u00e4tter,

anbei wie besprochen die \u00fcberarbeitete Vorlage f\u00fcr die Praxisberichte. Sie k\u00f6nnen sie unter Einstellungen > Vorlagen > Berichte hochladen.

Viele Gr\u00fc\u00dfe
Tim Kr\u00fcger
Example Helpdesk""",
    new="""Hallo Herr Kr\u00fcger,

vielen Dank, die neue Vorlage funktioniert. Zwei W\u00fcnsche h\u00e4tten wir
noch:

1. Das Feld \u201eBetreuer/in im Betrieb\u201c sollte ein Pflichtfeld sein.
2. Die Seitenzahl bitte unten rechts statt unten mittig.

Ist das m\u00f6glich?

Beste Gr\u00fc\u00dfe
Ulrike Brandst\u00e4tter""",
    sig="""Ulrike Brandst\u00e4tter
Praxisamt | Hochschule Ostheide
Tel. 04131 555-274""",
)

case(
    name="apple-de-mehrere-absaetze", client="apple", lang="de",
    from_=("Henrik Lorenz", "henrik.lorenz@uni-rheinfeld.example"),
    date="Thu, 6 Mar 2025 09:41:27 +0100",
    subject="Re: [#5664] Rechnung 2025-0311 \u2013 falsche Rechnungsadresse",
    attr="Am 05.03.2025 um 17:58 schrieb Example Helpdesk <helpdesk@example.com>:",
    quote="""Sehr geehrter Herr Lorenz,

entschuldigen Sie bitte den Fehler. Anbei erhalten Sie die korrigierte Rechnung 2025-0311 mit der Anschrift Ihrer Zentralverwaltung.

Mit freundlichen Gr\u00fc\u00dfen
Claudia Hartmann
Buchhaltung, Example Helpdesk""",
    new="""Guten Morgen Frau Hartmann,

die korrigierte Rechnung ist angekommen und wurde bereits zur Zahlung angewiesen.

F\u00fcr die Zukunft: Bitte alle Rechnungen an rechnungseingang@uni-rheinfeld.example schicken, nicht mehr an mich pers\u00f6nlich.

Viele Gr\u00fc\u00dfe aus Rheinfeld
Henrik Lorenz""",
)

case(
    name="ios-de-liste-und-footer", client="ios", lang="de",
    from_=("Nadine \u00d6zdemir", "nadine.oezdemir@hs-mainbogen.example"),
    date="Mon, 17 Mar 2025 07:52:03 +0100",
    subject="Re: [#5710] Welche Daten brauchen Sie f\u00fcr den Export?",
    footer="Von meinem iPhone gesendet",
    attr="Am 14.03.2025 um 16:11 schrieb Example Helpdesk <helpdesk@example.com>:",
    quote="""Hallo Frau \u00d6zdemir,

gerne richten wir den Export f\u00fcr die Praxissemester-Statistik ein. Welche Felder sollen enthalten sein?

Viele Gr\u00fc\u00dfe
Sven Maurer
Example Helpdesk""",
    new="""Guten Morgen,

wir brauchen folgende Felder:
- Matrikelnummer
- Praxisstelle mit Ort
- Zeitraum
- Name der Betreuungsperson

Danke und viele Gr\u00fc\u00dfe
Nadine \u00d6zdemir""",
)

case(
    name="emclient-de-originalnachricht", client="emclient", lang="de",
    qprefix=">", qempty=">", qwidth=76, qflowed=True, gap=3,
    from_=("Benedikt Kramer", "b.kramer@th-wiesental.example"),
    date="Wed, 22 Jan 2025 14:05:37 +0000",
    subject="Re[2]: [#5437] Benachrichtigungen an Studierende kommen doppelt",
    attr="""------ Originalnachricht ------
Von "Example Helpdesk" <helpdesk@example.com>
An "Benedikt Kramer" <b.kramer@th-wiesental.example>
Datum 22.01.2025 12:47:09
Betreff Re: [#5437] Benachrichtigungen an Studierende kommen doppelt
""",
    quote="""Hallo Herr Kramer,

die doppelten Benachrichtigungen entstanden, weil f\u00fcr Ihre Hochschule sowohl die t\u00e4gliche Zusammenfassung als auch die Sofort-Benachrichtigung aktiv war. Wir haben die Zusammenfassung deaktiviert.

Viele Gr\u00fc\u00dfe
Carina Neumann
Example Helpdesk""",
    new="""Hallo Frau Neumann,

danke, seit der Umstellung kommt jede Benachrichtigung nur noch
einmal an. Ich habe es mit zwei Testkonten gepr\u00fcft.

Gru\u00df
Benedikt Kramer""",
)

case(
    name="horde-de-zitat-von-unten", client="horde", lang="de", pos="bottom", prewrap=72,
    stamp="20250304101122",
    from_=("Petra Sommerfeld", "petra.sommerfeld@uni-luebbenau.example"),
    date="Tue, 04 Mar 2025 10:11:22 +0100",
    subject="Re: [#5648] R\u00fcckfrage zur L\u00f6schfrist f\u00fcr Praktikumsdaten",
    attr="Zitat von Example Helpdesk <helpdesk@example.com>:\n",
    quote="""Sehr geehrte Frau Sommerfeld,

Praktikumsdaten werden standardm\u00e4\u00dfig 24 Monate nach Ende des Praktikums gel\u00f6scht. Die Frist l\u00e4sst sich pro Hochschule zwischen 12 und 60 Monaten einstellen.

Mit freundlichen Gr\u00fc\u00dfen
Martin Vogel
Example Helpdesk""",
    new="""Sehr geehrter Herr Vogel,

vielen Dank. Bitte stellen Sie die Frist f\u00fcr uns auf 36 Monate ein,
das entspricht unserer Pr\u00fcfungsordnung.

Mit freundlichen Gr\u00fc\u00dfen
Petra Sommerfeld""",
    sig="""Petra Sommerfeld
Datenschutzkoordination Praxisphasen
Universit\u00e4t L\u00fcbbenau""",
)

case(
    name="notes-de-tabulator-kopfblock", client="notes", lang="de",
    mimetrack="11.12.2024 11:23:41",
    from_=("Gerhard Wittmann", "gerhard.wittmann@uni-donautal.example"),
    date="Wed, 11 Dec 2024 11:23:40 +0100",
    subject="Antwort: [#5268] Zugangsdaten f\u00fcr den Lehrstuhl Maschinenbau",
    hdr=[f"Von:\t{HD_NAME} <{HD_ADDR}>",
         "An:\tgerhard.wittmann@uni-donautal.example",
         "Datum:\t10.12.2024 17:05",
         "Betreff:\t[#5268] Zugangsdaten f\u00fcr den Lehrstuhl Maschinenbau"],
    quote="""Sehr geehrter Herr Wittmann,

die beiden Zug\u00e4nge f\u00fcr den Lehrstuhl Maschinenbau sind eingerichtet. Die Einladungen wurden an die angegebenen Adressen verschickt.

Freundliche Gr\u00fc\u00dfe
Sabrina Kaiser
Example Helpdesk""",
    new="""Sehr geehrte Frau Kaiser,

besten Dank. Die Zug\u00e4nge f\u00fcr Prof. Dr. Behrens und Herrn Ulrich funktionieren.

Mit freundlichen Gr\u00fc\u00dfen

Gerhard Wittmann
Universit\u00e4t Donautal
Zentrum f\u00fcr Praxisphasen
Tel.: 0731 555-4102""",
)

case(
    name="webde-de-nur-html-gesendet-zuerst", client="webde", lang="de",
    from_=("Lea Baumg\u00e4rtner", "lea.baumgaertner@web.de"),
    date="Sat, 22 Feb 2025 09:14:08 +0100",
    subject="Aw: [#5600] Passwort vergessen",
    hdr=["Gesendet: Freitag, 21. Februar 2025 um 18:40 Uhr",
         f'Von: "{HD_NAME}" <{HD_ADDR}>',
         "An: lea.baumgaertner@web.de",
         "Betreff: [#5600] Passwort vergessen"],
    quote="""Hallo Frau Baumg\u00e4rtner,

wir haben Ihr Passwort zur\u00fcckgesetzt. \u00dcber den Link in der separaten E-Mail k\u00f6nnen Sie ein neues Passwort vergeben.

Viele Gr\u00fc\u00dfe
Ihr Example Helpdesk""",
    new="""Hallo,

hat geklappt, danke sch\u00f6n! Ich bin wieder drin.

LG Lea Baumg\u00e4rtner""",
)


# ============================== French ====================================

case(
    name="outlook-fr-de-envoye-objet", client="outlook", lang="fr", clang="fr", html_lang="FR",
    from_=("H\u00e9l\u00e8ne Roussel", "helene.roussel@univ-garonne.example"),
    date="Tue, 10 Dec 2024 09:36:12 +0100",
    subject="RE : [#5251] Conventions de stage bloqu\u00e9es \u00e0 l'\u00e9tape \u00ab signature \u00bb",
    hdr=[f"De : {HD_NAME} <{HD_ADDR}> ",
         "Envoy\u00e9 : lundi 9 d\u00e9cembre 2024 18:02",
         "\u00c0 : ROUSSEL H\u00e9l\u00e8ne <helene.roussel@univ-garonne.example>",
         "Objet : [#5251] Conventions de stage bloqu\u00e9es \u00e0 l'\u00e9tape \u00ab signature \u00bb"],
    quote="""Bonjour Madame Roussel,

Les trois conventions \u00e9taient bloqu\u00e9es car le circuit de signature attendait encore la validation du responsable p\u00e9dagogique, qui a chang\u00e9 entre-temps. Nous avons mis \u00e0 jour le circuit : vous pouvez relancer la signature depuis l'onglet \u00ab Suivi \u00bb.

Cordialement,
Julien Girard
Example Helpdesk""",
    new="""Bonjour Monsieur Girard,

Merci pour votre retour rapide. J'ai relanc\u00e9 la signature pour les trois conventions concern\u00e9es et elles sont bien pass\u00e9es \u00e0 l'\u00e9tape suivante.

En revanche, le tuteur de l'entreprise Vall\u00e9e Bois n'a toujours pas re\u00e7u le lien. Pouvez-vous v\u00e9rifier l'adresse qui figure dans la convention ?

Bien cordialement,

H\u00e9l\u00e8ne Roussel
Gestionnaire des stages \u2013 UFR Sciences
Universit\u00e9 de Garonne
05 55 55 01 42""",
)

case(
    name="outlook-fr-message-d-origine-texte-brut", client="outlook", lang="fr",
    plain=True, separator="-----Message d'origine-----", charset="windows-1252", clang="fr",
    from_=("Thibault Marchand", "t.marchand@iut-valdeloire.example"),
    date="Thu, 16 Jan 2025 14:22:05 +0100",
    subject="RE : [#5407] Ajout d'un second tuteur acad\u00e9mique",
    hdr=[f"De : {HD_NAME} <{HD_ADDR}> ",
         "Envoy\u00e9 : jeudi 16 janvier 2025 11:48",
         "\u00c0 : Thibault Marchand <t.marchand@iut-valdeloire.example>",
         "Objet : [#5407] Ajout d'un second tuteur acad\u00e9mique"],
    quote="""Bonjour Monsieur Marchand,

Il est d\u00e9sormais possible d'ajouter un second tuteur acad\u00e9mique \u00e0 un stage. Le champ appara\u00eet dans la fiche du stage, sous le premier tuteur. Les deux tuteurs re\u00e7oivent les m\u00eames notifications.

Bien \u00e0 vous,
Nathalie Briand
Example Helpdesk""",
    new="""Bonjour,

C'est parfait, merci. Je confirme que les deux tuteurs re\u00e7oivent maintenant les notifications.

Cordialement,
Thibault Marchand
IUT du Val de Loire \u2013 Service des stages""",
)

case(
    name="gmail-fr-a-ecrit-coupe", client="gmail", lang="fr",
    from_=("\u00c9lodie Caron", "elodie.caron@univ-armorique.example"),
    date="Wed, 29 Jan 2025 17:04:44 +0100",
    subject="Re: [#5471] Rapport des stages \u00e0 l'\u00e9tranger",
    attr="Le mer. 29 janv. 2025 \u00e0 11:26, Example Helpdesk <helpdesk@example.com> a \u00e9crit :",
    quote="""Bonjour \u00c9lodie,

Le rapport standard \u00ab Stages \u00e0 l'\u00e9tranger \u00bb ne contient pour l'instant que le nom de l'\u00e9tudiant, l'organisme d'accueil et les dates. Nous pouvons cr\u00e9er un rapport personnalis\u00e9 : quelles informations souhaitez-vous y voir ?

Cordialement,
Karim Benali
Example Helpdesk""",
    new="""Bonjour Karim,

Merci pour ces pr\u00e9cisions.

Voici ce dont nous aurions besoin dans le rapport :

- le pays et la ville de chaque stage
- la dur\u00e9e en semaines
- le type de financement (Erasmus+, bourse r\u00e9gionale, aucun)

Serait-il possible de l'avoir avant la commission du 14 f\u00e9vrier ?

Bien \u00e0 vous,
\u00c9lodie""",
)

case(
    name="thunderbird-fr-reponses-intercalees", client="thunderbird", lang="fr", pos="inline",
    clang="fr",
    from_=("Yannick Le Goff", "yannick.legoff@ecole-iroise.example"),
    date="Mon, 10 Feb 2025 10:18:37 +0100",
    subject="Re: [#5540] Migration de nos donn\u00e9es vers la nouvelle version",
    attr="Le 07/02/2025 \u00e0 16:45, Example Helpdesk a \u00e9crit\u00a0:",
    quote="",
    pre="""Bonjour Sophie,

Mes r\u00e9ponses ci-dessous.""",
    segments=[
        ("q", """Bonjour,

Avant la migration pr\u00e9vue en mars, nous avons besoin de quelques informations.

Souhaitez-vous conserver les stages ant\u00e9rieurs \u00e0 2020 ?"""),
        ("r", "Non, seulement \u00e0 partir de l'ann\u00e9e 2020-2021."),
        ("q", "Quelle date vous conviendrait pour la bascule ?"),
        ("r", """La semaine du 17 mars, de pr\u00e9f\u00e9rence le mardi. Les \u00e9tudiants sont
en examens la semaine pr\u00e9c\u00e9dente."""),
        ("q", "Qui sera notre interlocuteur pendant la migration ?"),
        ("r", "Moi-m\u00eame, et en mon absence Gwena\u00eblle Tanguy (poste 4417)."),
        ("q", """Cordialement,
Sophie Morel
Example Helpdesk"""),
        ("r", """Merci et bonne journ\u00e9e,
Yannick"""),
    ],
    sig="""Yannick Le Goff
Responsable applications \u2013 Direction du num\u00e9rique
\u00c9cole d'ing\u00e9nieurs de l'Iroise""",
)

case(
    name="ios-fr-envoye-de-mon-iphone", client="ios", lang="fr", bom=True,
    from_=("Margaux Fabre", "margaux.fabre@univ-provence-est.example"),
    date="Fri, 14 Mar 2025 18:47:20 +0100",
    subject="Re: [#5705] R\u00e9union de lancement avec les tuteurs",
    footer="Envoy\u00e9 de mon iPhone",
    attr="Le 14 mars 2025 \u00e0 15:32, Example Helpdesk <helpdesk@example.com> a \u00e9crit\u00a0:",
    quote="""Bonjour Madame Fabre,

Pour la r\u00e9union de lancement avec les tuteurs, nous vous proposons le jeudi 20 mars \u00e0 10 h ou le vendredi 21 mars \u00e0 14 h. La pr\u00e9sentation dure environ une heure.

Bien cordialement,
Antoine Leroy
Example Helpdesk""",
    new="""Bonsoir,

Jeudi 20 mars \u00e0 10 h nous convient tr\u00e8s bien. Je r\u00e9serve l'amphi B et je transmets le lien aux tuteurs qui suivront \u00e0 distance.

Bonne soir\u00e9e,
Margaux""",
)

case(
    name="zimbra-fr-mail-original", client="zimbra", lang="fr",
    epoch="1740480167283",
    from_=("S\u00e9bastien Lacombe", "sebastien.lacombe@univ-cevennes.example"),
    date="Tue, 25 Feb 2025 15:40:09 +0100 (CET)",
    subject="Re: [#5616] Export des \u00e9valuations de fin de stage",
    marker="----- Mail original -----",
    hdr=[f'De: "{HD_NAME}" <{HD_ADDR}>',
         "\u00c0: \"S\u00e9bastien Lacombe\" <sebastien.lacombe@univ-cevennes.example>",
         "Envoy\u00e9: Mardi 25 F\u00e9vrier 2025 11:02:47",
         "Objet: [#5616] Export des \u00e9valuations de fin de stage"],
    quote="""Bonjour Monsieur Lacombe,

L'export des \u00e9valuations de fin de stage est de nouveau disponible dans Rapports > \u00c9valuations. Le probl\u00e8me venait d'un filtre sur l'ann\u00e9e universitaire.

Cordialement,
Camille Dupuis
Example Helpdesk""",
    new="""Bonjour Camille,

Merci, l'export fonctionne. Petite remarque : les appr\u00e9ciations des tuteurs sont coup\u00e9es \u00e0 255 caract\u00e8res dans le fichier Excel. Est-ce une limite connue ?

Cordialement,
S\u00e9bastien Lacombe
P\u00f4le insertion professionnelle""",
)

case(
    name="samsung-fr-message-d-origine", client="samsung", lang="fr",
    from_=("Amandine Perrot", "amandine.perrot@univ-garonne.example"),
    date="Thu, 20 Mar 2025 08:12:55 +0100",
    subject="Re: [#5723] Acc\u00e8s tuteur bloqu\u00e9",
    footer="Envoy\u00e9 depuis mon appareil Galaxy",
    marker="-------- Message d'origine --------",
    hdr=[f"De : {HD_NAME} <{HD_ADDR}>",
         "Date : 19/03/2025 17:40 (GMT+01:00)",
         "\u00c0 : Amandine Perrot <amandine.perrot@univ-garonne.example>",
         "Objet : [#5723] Acc\u00e8s tuteur bloqu\u00e9"],
    quote="""Bonjour Madame Perrot,

Le compte du tuteur \u00e9tait bloqu\u00e9 apr\u00e8s plusieurs tentatives de connexion. Nous l'avons d\u00e9bloqu\u00e9 ; il peut se reconnecter d\u00e8s maintenant.

Cordialement,
L\u00e9a Martin
Example Helpdesk""",
    new="""Merci, le tuteur a pu se connecter ce matin.

Amandine""",
)

case(
    name="apple-fr-citation-imbriquee", client="apple", lang="fr",
    from_=("Laurent B\u00e9ranger", "laurent.beranger@univ-provence-est.example"),
    date="Wed, 5 Mar 2025 12:03:48 +0100",
    subject="Re: [#5641] Question sur la facturation des licences",
    attr="Le 5 mars 2025 \u00e0 10:21, Example Helpdesk <helpdesk@example.com> a \u00e9crit :",
    quote="""Bonjour Monsieur B\u00e9ranger,

Oui, la facture annuelle couvre toutes les composantes de l'universit\u00e9, y compris l'IUT. Vous n'avez pas besoin de licence s\u00e9par\u00e9e.

Cordialement,
In\u00e8s Robert
Example Helpdesk

> Le 4 mars 2025 \u00e0 16:50, Laurent B\u00e9ranger <laurent.beranger@univ-provence-est.example> a \u00e9crit :
>
> Bonjour,
>
> L'IUT d'Aix souhaite utiliser la plateforme \u00e0 partir de septembre. Faut-il une licence s\u00e9par\u00e9e ?
>
> Laurent B\u00e9ranger""",
    new="""Parfait, merci pour la confirmation.

Je transmets l'information \u00e0 la direction de l'IUT.

Laurent""",
)


# ============================== Dutch =====================================

case(
    name="outlook-nl-van-verzonden-handtekening", client="outlook", lang="nl",
    transport="exchange", mshost="AM0PR10MB3154.EURPRD10.PROD.OUTLOOK.COM",
    ns="EURPRD10.PROD.OUTLOOK.COM",
    clang="nl-NL", accept="nl-NL, en-US", html_lang="NL",
    from_=("Marieke de Groot", "m.degroot@hogeschool-dijkland.example"),
    date="Mon, 27 Jan 2025 13:45:21 +0000",
    subject="RE: [#5462] Stagecontracten worden niet automatisch verstuurd",
    hdr=[f"Van: {HD_NAME} <{HD_ADDR}> ",
         "Verzonden: maandag 27 januari 2025 11:30",
         "Aan: Marieke de Groot <m.degroot@hogeschool-dijkland.example>",
         "Onderwerp: [#5462] Stagecontracten worden niet automatisch verstuurd"],
    quote="""Beste Marieke,

De contracten worden niet automatisch verstuurd omdat bij jullie opleiding de instelling 'Contracten versturen' op 'handmatig' staat. Je vindt deze onder Beheer > Opleidingen > Communicatie.

Met vriendelijke groet,
Thijs Bakker
Example Helpdesk""",
    new="""Hoi Thijs,

Dank je, dat was inderdaad het probleem. De instelling stond bij ons nog op 'handmatig versturen' sinds de migratie.

Ik heb hem aangepast en de eerste contracten zijn net de deur uit. Ik houd het deze week in de gaten en laat het weten als er nog iets misgaat.

Met vriendelijke groet,

Marieke de Groot
Stagebureau | Hogeschool Dijkland
06 5555 0193""",
)

case(
    name="outlook-nl-oorspronkelijk-bericht-platte-tekst", client="outlook", lang="nl",
    plain=True, separator="-----Oorspronkelijk bericht-----", clang="nl",
    from_=("Sander Kuijpers", "s.kuijpers@uni-lindehoven.example"),
    date="Thu, 13 Feb 2025 09:08:33 +0100",
    subject="RE: [#5563] Factuur 2025-0087 dubbel ontvangen",
    hdr=[f"Van: {HD_NAME} <{HD_ADDR}> ",
         "Verzonden: woensdag 12 februari 2025 16:27",
         "Aan: Sander Kuijpers <s.kuijpers@uni-lindehoven.example>",
         "Onderwerp: [#5563] Factuur 2025-0087 dubbel ontvangen"],
    quote="""Beste Sander,

Excuses voor de verwarring. Factuur 2025-0087 is door een fout in ons facturatiesysteem twee keer verstuurd. U hoeft hem maar \u00e9\u00e9n keer te betalen; de tweede kunt u negeren.

Met vriendelijke groet,
Lotte Jansen
Example Helpdesk""",
    new="""Goedemorgen Lotte,

Helder, dan negeren wij de tweede factuur. De eerste is vandaag betaald.

Groet,
Sander Kuijpers
Financi\u00eble administratie""",
)

case(
    name="owa-nl-lijn-verzonden", client="owa", lang="nl",
    mshost="DU2PR02MB10211.EURPRD02.PROD.OUTLOOK.COM", clang="nl-NL", accept="nl-NL, en-US",
    from_=("Femke Hoekstra", "f.hoekstra@hanzeland.example"),
    date="Tue, 04 Mar 2025 10:52:14 +0000",
    subject="RE: [#5645] Wachtwoord-reset werkt niet voor studenten",
    hdr=[f"Van: {HD_NAME} <{HD_ADDR}>",
         "Verzonden: maandag 3 maart 2025 17:20",
         "Aan: Hoekstra, Femke <f.hoekstra@hanzeland.example>",
         "Onderwerp: [#5645] Wachtwoord-reset werkt niet voor studenten"],
    quote="""Beste Femke,

De resetmails voor studenten werden tegengehouden door het spamfilter van jullie hogeschool, omdat ons afzenderdomein onlangs is gewijzigd. Wij hebben jullie ICT-afdeling gevraagd het nieuwe domein toe te voegen; dat is inmiddels gebeurd.

Met vriendelijke groet,
Daan Visser
Example Helpdesk""",
    new="""Hallo Daan,

Het werkt weer. Drie studenten hebben het vanochtend getest en konden allemaal een nieuw wachtwoord instellen.

Bedankt voor de snelle hulp!

Femke""",
)

case(
    name="gmail-nl-lange-naam-collega-geneste-quote", client="gmail", lang="nl",
    from_=("Bram Vos", "bram.vos@hogeschool-dijkland.example"),
    cc="Annemarie van den Berg-Vermeulen <annemarie.vandenberg-vermeulen@stagebureau.hogeschool-dijkland.example>",
    date="Wed, 19 Feb 2025 15:02:48 +0100",
    subject="Re: [#5586] Koppeling met het roosterpakket",
    attr="Op wo 19 feb 2025 om 14:37 schreef Annemarie van den Berg-Vermeulen <annemarie.vandenberg-vermeulen@stagebureau.hogeschool-dijkland.example>:",
    quote="""Bram, kun jij hierop reageren? Jij weet meer van het rooster.

Annemarie

Op di 18 feb 2025 om 16:10 schreef Example Helpdesk <helpdesk@example.com>:

> Beste Annemarie,
>
> Voor de koppeling met jullie roosterpakket hebben we de naam van het pakket en de versie nodig. Ook willen we weten of jullie de API-toegang al hebben aangevraagd.
>
> Met vriendelijke groet,
> Ruben Smit
> Example Helpdesk""",
    new="""Hallo Ruben,

Wij gebruiken Planwijzer, versie 3.12. De API-toegang hebben we vorige week aangevraagd; het functioneel beheer verwacht de sleutel eind deze maand.

Zodra we die hebben stuur ik hem via de beveiligde upload, niet per mail.

Groet,
Bram Vos
Roostering & Planning""",
)

case(
    name="ios-nl-heeft-het-volgende-geschreven", client="ios", lang="nl",
    from_=("Joris Verbeek", "joris.verbeek@uni-lindehoven.example"),
    date="Sat, 08 Mar 2025 11:30:05 +0100",
    subject="Re: [#5668] Dubbele stageplaatsen in de vacaturebank",
    footer="Verstuurd vanaf mijn iPhone",
    attr="Op 7 mrt 2025 om 17:14 heeft Example Helpdesk <helpdesk@example.com> het volgende geschreven:",
    quote="""Hoi Joris,

De dubbele stageplaatsen zijn verwijderd. Ze ontstonden doordat twee collega's dezelfde vacature tegelijk hadden ge\u00efmporteerd.

Groeten,
Noor de Vries
Example Helpdesk""",
    new="""Top, dank je wel! Ik zie nu alleen nog de juiste vacatures.

Joris""",
)

case(
    name="apple-nl-meerdere-alineas", client="apple", lang="nl",
    from_=("Ilse Mulder", "ilse.mulder@hanzeland.example"),
    date="Tue, 11 Mar 2025 14:26:39 +0100",
    subject="Re: [#5684] Verzoek: beoordelingsformulier aanpassen",
    attr="Op 11 mrt 2025, om 09:55 heeft Example Helpdesk <helpdesk@example.com> het volgende geschreven:",
    quote="""Beste Ilse,

In de bijlage vind je het aangepaste beoordelingsformulier met de nieuwe vragen van jullie examencommissie. Wil je het controleren voordat we het live zetten?

Met vriendelijke groet,
Mila Hendriks
Example Helpdesk""",
    new="""Hallo Mila,

Dank voor je snelle reactie. Ik heb het conceptformulier bekeken en heb nog twee opmerkingen.

De vraag over 'professionele houding' mag wat ons betreft weg; die zit al in het tussentijdse gesprek.

Verder zou het fijn zijn als de praktijkbegeleider het formulier kan opslaan en later afmaken. Nu gaat alles verloren als je het venster sluit.

Hartelijke groet,
Ilse Mulder
Co\u00f6rdinator stages, Academie voor Sociale Studies""",
)

case(
    name="thunderbird-nl-boven-geciteerd", client="thunderbird", lang="nl", clang="nl",
    from_=("Ruben de Wit", "r.dewit@hogeschool-westerschelde.example"),
    date="Fri, 24 Jan 2025 16:03:12 +0100",
    subject="Re: [#5455] Verlenging van de stageperiode",
    attr="Op 24-01-2025 om 14:48 schreef Example Helpdesk:",
    quote="""Beste Ruben,

De stageperiode van de student kan worden verlengd via het tabblad 'Planning' van de stage. Kies 'Periode wijzigen' en vul de nieuwe einddatum in.

Met vriendelijke groet,
Sanne Peters
Example Helpdesk""",
    new="""Beste Sanne,

Bedankt. De verlenging staat er nu in, maar de einddatum in het
contract is nog de oude (31 januari). Moet ik een nieuw contract
laten genereren, of wordt dat automatisch bijgewerkt?

Met vriendelijke groet,
Ruben de Wit""",
)

case(
    name="outlookandroid-nl-downloaden-footer", client="outlookandroid", lang="nl", os="android",
    clang="nl-NL", accept="nl-NL, en-US",
    from_=("Eva Smits", "eva.smits@hogeschool-westerschelde.example"),
    date="Mon, 17 Mar 2025 12:41:30 +0000",
    subject="Re: [#5714] Inlogproblemen na de update",
    footer="Outlook voor Android<https://aka.ms/AAb9ysg> downloaden",
    footer_html='<a href="https://aka.ms/AAb9ysg">Outlook voor Android</a> downloaden',
    hdr=[f"Van: {HD_NAME} <{HD_ADDR}>",
         "Verzonden: maandag 17 maart 2025 13:05:44",
         "Aan: Eva Smits <eva.smits@hogeschool-westerschelde.example>",
         "Onderwerp: [#5714] Inlogproblemen na de update"],
    quote="""Hoi Eva,

Na de update van vanochtend moeten gebruikers \u00e9\u00e9n keer opnieuw inloggen. Lukt het daarna nog steeds niet, wis dan de cookies van de site en probeer het opnieuw.

Groet,
Jesse Bos
Example Helpdesk""",
    new="""Via de app lukt het nu wel, in de browser nog niet. Ik probeer het morgen op mijn laptop en laat het je weten.

Eva""",
)


# ============================== Spanish ===================================

case(
    name="outlook-es-enviado-el", client="outlook", lang="es", clang="es", html_lang="ES",
    from_=("Luc\u00eda Ferrer", "lucia.ferrer@universidad-almenara.example"),
    date="Wed, 15 Jan 2025 12:09:44 +0100",
    subject="RE: [#5412] Error al generar los certificados de pr\u00e1cticas",
    hdr=[f"De: {HD_NAME} <{HD_ADDR}> ",
         "Enviado el: martes, 14 de enero de 2025 17:35",
         "Para: Luc\u00eda Ferrer <lucia.ferrer@universidad-almenara.example>",
         "Asunto: [#5412] Error al generar los certificados de pr\u00e1cticas"],
    quote="""Hola, Luc\u00eda:

El error se deb\u00eda a un campo vac\u00edo en la plantilla del certificado (fecha de fin). Lo hemos corregido y ya deber\u00eda poder generarlos.

Saludos cordiales,
Pablo Serrano
Example Helpdesk""",
    new="""Hola, Pablo:

Muchas gracias. Ya se generan los certificados, pero en algunos aparece el nombre del tutor mal codificado (por ejemplo, "Mu\u00c3\u00b1oz" en lugar de "Mu\u00f1oz").

\u00bfPod\u00e9is revisarlo antes del viernes? Tenemos que entregarlos la semana que viene.

Un saludo,

Luc\u00eda Ferrer
Oficina de Pr\u00e1cticas Externas
Universidad de Almenara""",
)

case(
    name="gmail-es-escribio-lista", client="gmail", lang="es",
    from_=("Javier Montoya", "javier.montoya@upv-levante.example"),
    date="Mon, 24 Feb 2025 10:36:18 +0100",
    subject="Re: [#5608] Formaci\u00f3n para los nuevos coordinadores",
    attr="El lun, 24 feb 2025 a las 9:12, Example Helpdesk (<helpdesk@example.com>) escribi\u00f3:",
    quote="""Hola, Javier:

Podemos ofrecer una sesi\u00f3n de formaci\u00f3n en l\u00ednea para los nuevos coordinadores el martes 4 o el jueves 6 de marzo, a las 10:00. \u00bfQu\u00e9 d\u00eda os viene mejor y cu\u00e1ntas personas asistir\u00e1n?

Un saludo,
Marta Gil
Example Helpdesk""",
    new="""Hola, Marta:

El martes 4 de marzo a las 10:00 nos viene bien. Seremos seis coordinadores; os paso los correos de los tres que a\u00fan no tienen cuenta:

- a.ruiz@upv-levante.example
- c.navarro@upv-levante.example
- e.pons@upv-levante.example

Gracias,
Javier""",
)

case(
    name="ios-es-enviado-desde-mi-iphone", client="ios", lang="es",
    from_=("Carmen Iglesias", "carmen.iglesias@upv-levante.example"),
    date="Thu, 20 Mar 2025 19:05:27 +0100",
    subject="Re: [#5726] Encuesta de satisfacci\u00f3n de empresas",
    footer="Enviado desde mi iPhone",
    attr="El 20 mar 2025, a las 13:48, Example Helpdesk <helpdesk@example.com> escribi\u00f3:",
    quote="""Hola, Carmen:

La encuesta de satisfacci\u00f3n para las empresas ya est\u00e1 configurada. Puede enviarla desde Encuestas > Empresas > Enviar cuando quiera.

Un saludo,
Diego Ramos
Example Helpdesk""",
    new="Perfecto, la enviamos el lunes. \u00a1Gracias!",
)


# ============================== Italian ===================================

case(
    name="outlook-it-r-da-inviato", client="outlook", lang="it",
    transport="exchange", mshost="VI1PR09MB4471.eurprd09.prod.outlook.com",
    ns="eurprd09.prod.outlook.com",
    clang="it-IT", accept="it-IT, en-US", html_lang="IT",
    from_=("Giulia Bassi", "giulia.bassi@ateneo-valtorre.example"),
    date="Tue, 28 Jan 2025 09:27:50 +0000",
    subject="R: [#5466] Accesso negato ai tutor aziendali",
    hdr=[f"Da: {HD_NAME} <{HD_ADDR}> ",
         "Inviato: luned\u00ec 27 gennaio 2025 18:14",
         "A: Giulia Bassi <giulia.bassi@ateneo-valtorre.example>",
         "Oggetto: [#5466] Accesso negato ai tutor aziendali"],
    quote="""Gentile Dott.ssa Bassi,

il problema era dovuto a un certificato scaduto sul server di autenticazione. Lo abbiamo rinnovato questa mattina: i tutor aziendali dovrebbero poter accedere di nuovo.

Cordiali saluti,
Federico Conti
Example Helpdesk""",
    new="""Buongiorno Federico,

grazie mille, adesso i tutor aziendali riescono ad accedere.

Le segnalo per\u00f2 che alcuni ricevono ancora l'email di invito in inglese anzich\u00e9 in italiano. \u00c8 possibile impostare la lingua predefinita per tutti gli utenti esterni?

Cordiali saluti,
Giulia Bassi
Ufficio Tirocini \u2013 Ateneo di Valtorre""",
)

case(
    name="gmail-it-ha-scritto", client="gmail", lang="it",
    from_=("Matteo Ruggeri", "matteo.ruggeri@ateneo-valtorre.example"),
    date="Thu, 13 Mar 2025 16:44:02 +0100",
    subject="Re: [#5691] Proposta di riunione per il rinnovo del contratto",
    attr="Il giorno gio 13 mar 2025 alle ore 11:20 Example Helpdesk <helpdesk@example.com> ha scritto:",
    quote="""Gentile Matteo,

per il rinnovo del contratto le proponiamo un incontro online mercoled\u00ec 19 marzo alle 15:00 oppure venerd\u00ec 21 alle 10:00. Quale data preferisce?

Cordiali saluti,
Chiara Esposito
Example Helpdesk""",
    new="""Buonasera Chiara,

va bene mercoled\u00ec 19 alle 15:00. Parteciperemo io e la responsabile amministrativa, la dott.ssa Ferri.

A presto,
Matteo""",
)


# ============================== Swedish ===================================

case(
    name="outlook-sv-fran-skickat", client="outlook", lang="sv", clang="sv", html_lang="SV",
    from_=("Karin Lindholm", "karin.lindholm@hogskolan-norrvik.example"),
    date="Wed, 05 Feb 2025 13:17:29 +0100",
    subject="SV: [#5524] VFU-placeringar syns inte f\u00f6r handledarna",
    hdr=[f"Fr\u00e5n: {HD_NAME} <{HD_ADDR}> ",
         "Skickat: den 5 februari 2025 10:41",
         "Till: Karin Lindholm <karin.lindholm@hogskolan-norrvik.example>",
         "\u00c4mne: [#5524] VFU-placeringar syns inte f\u00f6r handledarna"],
    quote="""Hej Karin,

Handledarna s\u00e5g inte placeringarna eftersom terminen VT25 inte var markerad som aktiv. Vi har \u00e4ndrat det nu.

Med v\u00e4nliga h\u00e4lsningar
Anders Holm
Example Helpdesk""",
    new="""Hej Anders,

Tack! Nu ser handledarna sina studenter igen.

V\u00e4nliga h\u00e4lsningar
Karin Lindholm
VFU-samordnare, H\u00f6gskolan i Norrvik""",
)

case(
    name="ios-sv-skickat-fran-min-iphone", client="ios", lang="sv", bom=True,
    from_=("Erik Sj\u00f6berg", "erik.sjoberg@hogskolan-norrvik.example"),
    date="Tue, 25 Mar 2025 08:03:41 +0100",
    subject="Re: [#5739] Fakturan f\u00f6r licensen",
    footer="Skickat fr\u00e5n min iPhone",
    attr="25 mars 2025 kl. 07:50 skrev Example Helpdesk <helpdesk@example.com>:",
    quote="""Hej Erik,

H\u00e4r kommer fakturan f\u00f6r licensen 2025 som PDF. Betalningsvillkor 30 dagar.

V\u00e4nliga h\u00e4lsningar
Maja Berg
Example Helpdesk""",
    new="""Hej,

Fakturan \u00e4r vidarebefordrad till ekonomi. De betalar inom 30 dagar enligt avtalet.

/Erik""",
)


# ============================== Portuguese ================================

case(
    name="gmail-pt-br-escreveu", client="gmail", lang="pt",
    from_=("Beatriz Carvalho", "beatriz.carvalho@univ-serrana.example"),
    date="Fri, 31 Jan 2025 14:55:09 -0300",
    subject="Re: [#5483] Relat\u00f3rio de est\u00e1gios obrigat\u00f3rios",
    attr="Em sex., 31 de jan. de 2025 \u00e0s 11:03, Example Helpdesk <helpdesk@example.com> escreveu:",
    quote="""Ol\u00e1, Beatriz,

Corrigimos o filtro do relat\u00f3rio de est\u00e1gios obrigat\u00f3rios: agora ele inclui tamb\u00e9m os cursos de licenciatura.

Atenciosamente,
Rafael Souza
Example Helpdesk""",
    new="""Ol\u00e1, Rafael,

Obrigada pelo retorno. O relat\u00f3rio agora mostra todos os cursos, mas a carga hor\u00e1ria aparece em minutos e n\u00e3o em horas. D\u00e1 para ajustar?

Abra\u00e7os,
Beatriz""",
)

case(
    name="ios-pt-pt-enviado-do-meu-iphone", client="ios", lang="pt",
    from_=("Rui Figueiredo", "rui.figueiredo@univ-atlantica.example"),
    date="Wed, 19 Mar 2025 17:22:10 +0000",
    subject="Re: [#5720] Acesso dos orientadores externos",
    footer="Enviado do meu iPhone",
    attr="A 19/03/2025, \u00e0s 15:04, Example Helpdesk <helpdesk@example.com> escreveu:",
    quote="""Caro Rui,

Os orientadores externos j\u00e1 podem aceder \u00e0 plataforma com o endere\u00e7o de email institucional. Envi\u00e1mos hoje os convites.

Com os melhores cumprimentos,
In\u00eas Costa
Example Helpdesk""",
    new="""Obrigado, j\u00e1 funciona. Bom resto de semana!

Rui""",
)


# ============================== Danish ====================================

case(
    name="outlook-da-fra-sendt-emne", client="outlook", lang="da", clang="da", html_lang="DA",
    from_=("Mette Kj\u00e6rgaard", "mette.kjaergaard@fjordby-universitet.example"),
    date="Thu, 23 Jan 2025 10:31:55 +0100",
    subject="SV: [#5447] Praktikaftaler mangler underskrift fra virksomheden",
    hdr=[f"Fra: {HD_NAME} <{HD_ADDR}> ",
         "Sendt: 22. januar 2025 16:09",
         "Til: Mette Kj\u00e6rgaard <mette.kjaergaard@fjordby-universitet.example>",
         "Emne: [#5447] Praktikaftaler mangler underskrift fra virksomheden"],
    quote="""Hej Mette,

Aftalerne manglede underskrift, fordi invitationerne til virksomhederne blev sendt til en gammel e-mailadresse. Du kan rette adressen og sende aftalen igen under fanen "Underskrifter".

Venlig hilsen
Jakob Nielsen
Example Helpdesk""",
    new="""Hej Jakob,

Tak for hj\u00e6lpen. Jeg har sendt aftalerne igen, og to af de tre virksomheder har allerede underskrevet.

Den sidste (Havnens Tandklinik) skriver, at linket er udl\u00f8bet. Kan I sende et nyt?

Med venlig hilsen
Mette Kj\u00e6rgaard
Praktikkoordinator, Institut for Sundhed""",
)

case(
    name="ios-da-sendt-fra-min-iphone", client="ios", lang="da",
    from_=("Rasmus Holm", "rasmus.holm@fjordby-universitet.example"),
    date="Fri, 28 Feb 2025 16:48:12 +0100",
    subject="Re: [#5625] M\u00f8de om nye rapporter",
    footer="Sendt fra min iPhone",
    attr="Den 28. feb. 2025 kl. 14.02 skrev Example Helpdesk <helpdesk@example.com>:",
    quote="""Hej Rasmus,

Vi vil gerne vise jer de nye rapporter over praktikforl\u00f8b. Passer tirsdag den 4. marts kl. 13 eller onsdag den 5. marts kl. 10?

Venlig hilsen
Sofie Lund
Example Helpdesk""",
    new="""Hej Sofie

Tirsdag kl. 13 passer fint. Jeg tager vores studieleder med.

Mvh Rasmus""",
)


# ============================== Polish ====================================

case(
    name="ios-pl-wiadomosc-napisana-przez", client="ios", lang="pl",
    from_=("Agnieszka Wr\u00f3blewska", "agnieszka.wroblewska@politechnika-warnowska.example"),
    date="Mon, 10 Mar 2025 09:15:33 +0100",
    subject="Re: [#5676] Nie dzia\u0142a eksport um\u00f3w praktyk",
    footer="Wys\u0142ane z iPhone'a",
    attr="Wiadomo\u015b\u0107 napisana przez Example Helpdesk <helpdesk@example.com> w dniu 7 mar 2025, o godz. 17:26:",
    quote="""Dzie\u0144 dobry,

b\u0142\u0105d eksportu um\u00f3w praktyk zosta\u0142 naprawiony w wersji 8.19, wdro\u017conej dzi\u015b po po\u0142udniu. Prosimy o sprawdzenie.

Z powa\u017caniem
Piotr Kami\u0144ski
Example Helpdesk""",
    new="""Dzie\u0144 dobry,

eksport dzia\u0142a, dzi\u0119kuj\u0119. Prosz\u0119 zamkn\u0105\u0107 zg\u0142oszenie.

Pozdrawiam
Agnieszka Wr\u00f3blewska""",
)

case(
    name="gmail-pl-napisal-a", client="gmail", lang="pl",
    from_=("Tomasz Zieli\u0144ski", "tomasz.zielinski@politechnika-warnowska.example"),
    date="Wed, 26 Mar 2025 11:07:49 +0100",
    subject="Re: [#5752] Pytanie o limit kont dla opiekun\u00f3w praktyk",
    attr="\u015br., 26 mar 2025 o 10:12 Example Helpdesk <helpdesk@example.com> napisa\u0142(a):",
    quote="""Dzie\u0144 dobry,

obecna licencja obejmuje 100 kont dla opiekun\u00f3w praktyk. Limit mo\u017cna zwi\u0119kszy\u0107 w dowolnym momencie.

Z powa\u017caniem
Marek Lewandowski
Example Helpdesk""",
    new="""Dzie\u0144 dobry Panie Marku,

dzi\u0119kuj\u0119 za informacj\u0119. W takim razie prosimy o zwi\u0119kszenie limitu do 150 kont od semestru letniego. Czy to zmieni wysoko\u015b\u0107 faktury?

Pozdrawiam serdecznie
Tomasz Zieli\u0144ski
Biuro Karier i Praktyk""",
)


# --------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------

from email.utils import parsedate_to_datetime  # noqa: E402


def finish(c):
    c = dict(c)
    c["from"] = c.pop("from_")
    when = parsedate_to_datetime(c["date"])
    ticket = re.search(r"#(\d+)", c["subject"]).group(1)
    t_reply = int(when.timestamp())
    if "refs" not in c:
        first = t_reply - RNG.randint(150000, 900000)
        last = t_reply - RNG.randint(600, 60000)
        c["refs"] = [f"<ticket.{ticket}.1.{first}@helpdesk.example.com>",
                     f"<ticket.{ticket}.{RNG.randint(2, 4)}.{last}@helpdesk.example.com>"]
    c.setdefault("epoch", str(t_reply * 1000 + RNG.randint(0, 999)))
    c.setdefault("epoch_ms", str(t_reply * 1000 + RNG.randint(0, 999)))
    return c


def build_all():
    written = []
    names = set()
    for raw in CASES:
        c = finish(raw)
        name = c["name"]
        assert name not in names, name
        names.add(name)
        assert name.startswith(c["client"] + "-" + c["lang"] + "-"), name
        headers, body, expected, crlf = BUILDERS[c["client"]](c)
        data = render(headers, body, crlf)
        (HERE / f"{name}.eml").write_bytes(data)
        (HERE / f"{name}.expected.txt").write_text(expected.rstrip("\n"), encoding="utf-8")
        written.append(name)
    return written


# --------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------

BLOCK = {"div", "p", "blockquote", "tr", "li", "hr", "table", "pre", "h1", "h2", "h3", "ul", "ol"}


class _H2T(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = [""]
        self.skip = 0

    def _nl(self):
        if self.out[-1] != "":
            self.out.append("")

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head", "title"):
            self.skip += 1
        elif tag == "br":
            self.out.append("")
        elif tag in BLOCK:
            self._nl()

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head", "title"):
            self.skip -= 1
        elif tag in BLOCK:
            self._nl()

    def handle_data(self, data):
        if self.skip:
            return
        data = re.sub(r"[ \t\r\n]+", " ", data)
        if self.out[-1] == "":
            data = data.lstrip(" ")
        self.out[-1] += data


def html_to_text(s):
    p = _H2T()
    p.feed(s)
    p.close()
    lines = [l.replace("\u00a0", " ").rstrip() for l in p.out]
    return "\n".join(lines).strip("\n")


def norm(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(l.rstrip() for l in text.split("\n"))


def decoded_body(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    part = msg.get_body(preferencelist=("plain",))
    if part is not None:
        return msg, norm(part.get_content()), "text/plain"
    part = msg.get_body(preferencelist=("html",))
    return msg, norm(html_to_text(part.get_content())), "text/html"


REQUIRED = ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
            "MIME-Version", "Content-Type")


def check(names, shapes):
    bad = 0
    for name in names:
        eml = HERE / f"{name}.eml"
        exp = (HERE / f"{name}.expected.txt").read_text(encoding="utf-8")
        problems = []
        raw = eml.read_bytes()
        if exp != exp.rstrip("\n") or any(l != l.rstrip() for l in exp.split("\n")):
            problems.append("expected text has trailing newline/whitespace")
        for line in raw.split(b"\n"):
            if len(line.rstrip(b"\r")) > 998:
                problems.append("line longer than 998 bytes")
                break
        msg, body, kind = decoded_body(eml)
        for h in REQUIRED:
            if msg[h] is None:
                problems.append(f"missing header {h}")
        if not re.search(r"\[#\d+\]", str(msg["Subject"])):
            problems.append("subject has no [#nnnn] tag")
        for part in msg.walk():
            if part.defects:
                problems.append(f"MIME defects: {part.defects}")
        expn = norm(exp)
        shape = shapes[name]
        if shape == "inline":
            pos = 0
            for para in re.split(r"\n\s*\n", expn):
                i = body.find(para, pos)
                if i < 0:
                    problems.append(f"paragraph not found in order: {para[:50]!r}")
                    break
                pos = i + len(para)
        elif shape == "bottom":
            i = body.find("\n" + expn + "\n")
            if i < 0:
                problems.append("bottom-posted text not found as whole lines")
            elif ">" not in body[:i]:
                problems.append("bottom-posted text is not below the quote")
        else:
            if not body.lstrip("\n").startswith(expn):
                problems.append("top-posted text is not the start of the body")
            # the expected text must be followed by a line break (whole lines)
            rest = body.lstrip("\n")[len(expn):]
            if rest and not rest.startswith("\n"):
                problems.append("expected text ends mid-line")
        hpart = msg.get_body(preferencelist=("html",))
        if hpart is not None and kind == "text/plain":
            flat = re.sub(r"\s+", " ", html_to_text(hpart.get_content()).replace("\u00a0", " "))
            for para in re.split(r"\n\s*\n", expn):
                if re.sub(r"\s+", " ", para).strip() not in flat:
                    problems.append(f"HTML part lacks: {para[:50]!r}")
        if problems:
            bad += 1
            print(f"FAIL {name} ({kind}):")
            for p in problems:
                print("   ", p)
    return bad


def shapes_of():
    out = {}
    for c in CASES:
        pos = c.get("pos", "top")
        out[c["name"]] = "inline" if (pos == "inline" or c.get("segments")) else (
            "bottom" if pos == "bottom" else "top")
    return out


def main(argv):
    if "--check" not in argv:
        names = build_all()
    else:
        names = [c["name"] for c in CASES]
    bad = check(names, shapes_of())
    print(f"{len(names)} cases, {bad} failing")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

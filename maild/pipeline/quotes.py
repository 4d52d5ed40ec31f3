"""The new text of a reply: without the quoted history, its attribution line, and the signature.

Mail clients quote in two ways. Gmail, Apple Mail, Thunderbird and most mobile clients write an
attribution ("On ... wrote:", "Am ... schrieb ...:", or only a date and a sender ending in a colon)
and mark the old text as quoted (`>`, sometimes `|` or initials); people may answer above, below,
or between those lines, so every unquoted line is kept. Outlook and its relatives copy the old
mail below a header block ("From:/Sent:/To:/Subject:" in the writer's language, often after a rule
or an "Original Message" line) without marking it: everything from there on is history.
mail-parser-reply knows more clients' header lines than we do and is asked when we see none. Our
own earlier messages are recognised verbatim. A forward is content, not history: it is kept whole.
Signatures end at the `-- ` delimiter or at a mobile client's footer ("Sent from my iPhone").
When in doubt a line is kept: a stray quote costs less than a customer's lost words.

The raw mail keeps everything: this only decides what is shown as the message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mailparser_reply import EmailReplyParser

from maild.pipeline.reply_lines import normalised, quoted_lines
from maild.runtime.subjects import FORWARD_PREFIX, REPLY_PREFIX

LANGUAGES = ["en", "de", "fr", "nl", "es", "sv", "it"]
WROTE = (r"wrote|writes|schrieb|geschrieben|schreef|geschreven|a\s+écrit|escribió|skrev"
         r"|ha\s+scritto|escreveu|kirjoitti|napisał|napsal|napsala|написал|написала|пишет|пише"
         r"|написав|írta|scrie|a\s+scris|έγραψε|yazdı")
CJK_WROTE = r"写道|寫道|님이\s*작성"  # no word boundary between a CJK word and the digits before it
COLON = r"[:：]"
ATTRIBUTION = re.compile(
    rf"^(?:>>>\s)?(?!>).{{0,400}}(?:\b(?:{WROTE})\b|{CJK_WROTE}).{{0,200}}"
    rf"(?:{COLON}\s*-*|\s-{{2,}})\s*$"  # Zoho ends "wrote ---"
    r"|^.{0,300}\bwrote on\b.{0,80}:\s*$"
    r"|^(?:zitat\s+von|quoting)\s.{0,300}:\s*$",  # Horde
    re.IGNORECASE)
ATTRIBUTION_ENDS = (":", "：", "-")  # the last character of every attribution
# Gmail in many languages, Yandex, Mail.ru, Mutt: a time and a sender's address in either order,
# no verb, a colon at the end. Taken for an attribution only above quoted lines, so a signature
# line like it stays.
DATED_ATTRIBUTION = re.compile(
    rf"^(?!>)(?=.{{0,400}}\b\d{{1,2}}[:.]\d{{2}}\b)(?=.{{0,400}}@).{{1,600}}{COLON}\s*$")
FORWARD_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:forwarded\s+message(?:\s+from\s.{1,200})?|weitergeleitete\s+nachricht"
    r"|message\s+transféré"
    r"|doorgestuurd\s+bericht|mensaje\s+reenviado|messaggio\s+inoltrato|пересылаемое\s+сообщение"
    r"|přeposlaná\s+zpráva|videresendt\s+meddelelse|vidarebefordrat\s+meddelande)\s*-{2,}\s*$"
    r"|^\s*(?:begin\s+forwarded\s+message|anfang\s+der\s+weitergeleiteten\s+nachricht"
    r"|début\s+du\s+message\s+réexpédié|begin\s+doorgestuurd\s+bericht"
    r"|inizio\s+messaggio\s+inoltrato|comienzo\s+del\s+mensaje\s+reenviado)\s*:\s*$",
    re.IGNORECASE,
)
SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:original\s+message|ursprüngliche\s+nachricht|originalnachricht"
    r"|message\s+d'origine|mail\s+original|oorspronkelijk\s+bericht|oprindelig\s+meddelelse"
    r"|mensagem\s+original|mensaje\s+original|ursprungligt\s+meddelande|messaggio\s+originale"
    r"|исходное\s+сообщение|původní\s+zpráva|wiadomość\s+oryginalna)\s*-{2,}\s*$",
    re.IGNORECASE,
)
# Words above a forwarded mail that say it is passed on, for when the subject does not say.
FORWARD_NOTE = re.compile(
    r"\b(?:fyi|for\s+your\s+information|see\s+below|forwarding|please\s+see|zur\s+info"
    r"|siehe\s+unten|pour\s+info|voir\s+ci-dessous|ter\s+info|zie\s+hieronder|для\s+информации"
    r"|к\s+сведению|per\s+conoscenza|para\s+(?:tu\s+)?información|för\s+kännedom)",
    re.IGNORECASE)
FORWARD_NOTE_LINES = 4
FROM_KEY = re.compile(
    r"^\s*\*?(?:from|von|de|van|da|från|fra|od|lähettäjä|от|від|kimden|差出人|发件人|寄件者|보낸\s*사람)"
    r"\s*\*?\s*[:：]", re.IGNORECASE)
HEADER_KEY = re.compile(
    r"^\s*\*?(?:sent|date|to|cc|subject|gesendet|datum|an|betreff|envoyé|date|à|objet|verzonden"
    r"|aan|onderwerp|enviado|fecha|para|asunto|skickat|till|ämne|inviato|data|a|oggetto|pour"
    r"|kopie|sendt|til|emne|assunto|temat|wysłano|do|отправлено|кому|тема|дата|копия|надіслано"
    r"|копія|odesláno|komu|předmět|gönderildi|kime|konu|bilgi|tarih|送信日時|宛先|件名|日付"
    r"|发送时间|收件人|主题|抄送|日期|傳送時間|收件者|主旨|副本|받는\s*사람|보낸\s*날짜|날짜|제목|참조)"
    r"\s*\*?\s*[:：]",
    re.IGNORECASE,
)
NAME_AND_ADDRESS = re.compile(r"^\s*[^:<>@]{0,80}<?[\w.+-]+@[\w.-]+>?\s*$")  # "Name <a@b>" alone
DATE_OR_ADDRESS = re.compile(r"\d|@|<")
RULE = re.compile(r"^\s*(?:_{8,}|-{8,})\s*$")
SIGNATURE = re.compile(r"^--\s*$")
MOBILE_FOOTER = re.compile(
    r"^\s*(?:sent\s+(?:from|with|via)\s|(?:get|download)\s+outlook\s+for|von\s+meinem\s"
    r"|gesendet\s+(?:von|mit)\s|outlook\s+für\s|envoyé\s+(?:de|depuis|à\s+partir\s+de)\s"
    r"|obtenir\s+outlook|télécharger\s+outlook|verstuurd\s+(?:vanaf|met|via)\s"
    r"|verzonden\s+(?:vanaf|met|via)\s|outlook\s+voor\s|enviado\s+(?:desde|con|do)\s"
    r"|skickat\s+från\s|inviato\s+da\s|sendt\s+fra\s|wysłane\s+z\s|отправлено\s+(?:с|из)\s"
    r"|надіслано\s+з\s|odesláno\s+z\s).{0,80}$",
    re.IGNORECASE,
)
Attribution = tuple[int, int, bool]  # first line, line after, quoted lines follow
JOIN_LINES = 3  # Gmail wraps a long attribution over up to three lines
LIBRARY_HINTS = (":", "-----")  # one of them is in every header line mail-parser-reply can match
LIBRARY_RULE = re.compile(r"[_-]{32}")  # and its Outlook rule, which may be all underscores
_parser = EmailReplyParser(languages=LANGUAGES)


def new_text(text: str, ours: Sequence[str] = (), subject: str = "",
             keep_forwards: bool = True) -> str:
    """The new text of `text`, a reply with `subject`; `ours` are texts we sent on the ticket,
    recognised when quoted. Without `keep_forwards` (a staff answer, which goes to the customer) a
    forward is cut like any history."""
    lines = normalised(text)
    quoted = quoted_lines(lines)
    attributions = _attributions(lines, quoted)
    start = _history_start(lines, quoted, attributions, ours)
    if keep_forwards and start < len(lines) and _is_forward(lines, start, subject):
        return "\n".join(lines).strip()  # as written, blank lines and all
    kept = _without_quotes(lines[:start], quoted, [a for a in attributions if a[1] <= start])
    return _tidy(kept[:_signature_start(kept)])


def _history_start(lines: list[str], quoted: list[bool], attributions: list[Attribution],
                   ours: Sequence[str]) -> int:
    """Where the copied-below history begins: the earliest of maild's ways of spotting it, or, when
    none sees any quoting at all, mail-parser-reply's (it cuts sign-offs and inline answers short
    where maild's rules know better, but knows more clients' header lines)."""
    keys = _header_keys(lines)
    ours_start = min(_header_block(lines, keys), _memo_block(lines, keys),
                     _unquoted_attribution(lines, attributions), _our_text(lines, ours))
    if ours_start < len(lines) or attributions or any(quoted):
        return ours_start
    return _library_cut(lines)


def _is_forward(lines: list[str], start: int, subject: str) -> bool:
    """The history found at `start` is a mail passed on: the subject says so, the client wrote a
    forward separator, or (a subject saying neither) a short note above says so."""
    if FORWARD_PREFIX.match(subject) or FORWARD_SEPARATOR.match(lines[start]):
        return True
    if REPLY_PREFIX.match(subject):
        return False
    note = [line for line in lines[:start] if line.strip()]
    return 0 < len(note) <= FORWARD_NOTE_LINES and bool(FORWARD_NOTE.search(" ".join(note)))


def _header_block(lines: list[str], keys: list[tuple[bool, bool]]) -> int:
    """A separator line, or Outlook's block: a From line within three others of its kind."""
    for i, line in enumerate(lines):
        if not _may_be_header(line):
            continue
        if SEPARATOR.match(line) or FORWARD_SEPARATOR.match(line):
            return i
        block = keys[i:i + 5]
        if any(keys[i]):  # WEB.DE puts "Gesendet:" before "Von:"
            if (any(is_from for is_from, _ in block) and sum(any(k) for k in block) >= 3
                    and DATE_OR_ADDRESS.search(" ".join(lines[i:i + 5]))):  # a real one has a date
                return _with_rule_above(lines, i)
    return len(lines)


def _may_be_header(line: str) -> bool:
    """Every separator and header line holds one of these: most lines are passed over unread."""
    return ":" in line or "-" in line or "：" in line


def _header_keys(lines: list[str]) -> list[tuple[bool, bool]]:
    """For each line: whether it starts as a From line, and as another header line."""
    return [(bool(FROM_KEY.match(line)), bool(HEADER_KEY.match(line))) if _may_be_header(line)
            else (False, False) for line in lines]


def _memo_block(lines: list[str], keys: list[tuple[bool, bool]]) -> int:
    """Notes' memo header: the sender and date on lines of their own, then To/cc/Subject lines."""
    for i, line in enumerate(lines):
        if keys[i][1] and sum(header for _, header in keys[i + 1:i + 4]) >= 2:
            sender = [k for k in range(max(0, i - 7), i) if NAME_AND_ADDRESS.match(lines[k])]
            if sender:
                return sender[0]
    return len(lines)


def _with_rule_above(lines: list[str], i: int) -> int:
    above = i - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    return above if above >= 0 and RULE.match(lines[above]) else i


def _attributions(lines: list[str], quoted: list[bool]) -> list[Attribution]:
    """(first line, line after, quoted lines follow) of each attribution, joining the lines a
    client wrapped it over. A verbless, dated one counts only above quoted lines."""
    ends = {n for n, line in enumerate(lines) if line.endswith(ATTRIBUTION_ENDS) and not quoted[n]}
    found = []
    i = 0
    while i < len(lines):
        width, dated = _attribution_width(lines, quoted, i, ends) if ends else (0, False)
        above_quote = bool(width) and _quote_follows(lines, quoted, i + width)
        if width and (above_quote or not dated):
            found.append((i, i + width, above_quote))
            i += width
        else:
            i += 1
    return found


def _attribution_width(lines: list[str], quoted: list[bool], i: int,
                       ends: set[int]) -> tuple[int, bool]:
    """How many lines from `i` form an attribution (0: none), and whether it is only dated.
    Only adjacent, unquoted, non-blank lines, the last ending as attributions do."""
    if quoted[i] or not lines[i].strip():
        return 0, False
    for width in range(1, JOIN_LINES + 1):
        part = lines[i:i + width]
        if len(part) < width or any(not line.strip() or q for line, q in
                                    zip(part[1:], quoted[i + 1:i + width])):
            return 0, False
        if width > 1 and not DATE_OR_ADDRESS.search(part[0]):
            return 0, False  # a wrapped attribution starts with its date or sender, not a name
        if i + width - 1 not in ends:
            continue
        joined = " ".join(line.strip() for line in part)
        if ATTRIBUTION.match(joined):
            return width, False
        if DATED_ATTRIBUTION.match(joined):
            return width, True
    return 0, False


def _quote_follows(lines: list[str], quoted: list[bool], end: int) -> bool:
    following = next((n for n in range(end, len(lines)) if lines[n].strip()), None)
    return following is not None and quoted[following]


def _unquoted_attribution(lines: list[str], attributions: list[Attribution]) -> int:
    """An attribution not followed by quoted lines introduces history copied without quoting, if
    it names a date or an address as real ones do ("I wrote:" alone is the customer's)."""
    unquoted = (start for start, end, above_quote in attributions
                if not above_quote and DATE_OR_ADDRESS.search(" ".join(lines[start:end])))
    return next(unquoted, len(lines))


def _our_text(lines: list[str], ours: Sequence[str]) -> int:
    """Our earlier message pasted below without quoting: its first two lines, in a row."""
    stripped = [line.strip() for line in lines]
    for text in ours:
        head = [s.strip() for s in text.splitlines() if s.strip()][:2]
        if len(head) < 2 or len(head[0] + head[1]) < 30:
            continue
        for i, line in enumerate(stripped):
            rest = [s for s in stripped[i + 1:] if s]
            if line == head[0] and rest[:1] == head[1:]:
                return i
    return len(lines)


def _library_cut(lines: list[str]) -> int:
    """mail-parser-reply's idea of where the reply ends, when it keeps a prefix of the lines. It
    is not asked about a text in which it can find nothing: every header line it knows holds a
    colon, bar its "-----Original Message-----" and its rule of 32 underscores or dashes
    (tests/test_quotes.py holds it to that). Most short replies written above nothing have none,
    and its patterns took 0.4 ms a reply to say so."""
    text = "\n".join(lines)
    if not any(hint in text for hint in LIBRARY_HINTS) and not LIBRARY_RULE.search(text):
        return len(lines)
    return _library_read_cut(text)


def _library_read_cut(text: str) -> int:
    lines = text.split("\n")
    replies = _parser.read(text=text).replies
    if not replies:
        return len(lines)
    kept = [line.rstrip() for line in replies[0].content.split("\n")]
    while kept and not kept[-1]:
        kept.pop()
    if not kept or lines[:len(kept)] != kept:
        return len(lines)
    return len(kept) if any(line.strip() for line in lines[len(kept):]) else len(lines)


def _without_quotes(lines: list[str], quoted: list[bool],
                    attributions: list[Attribution]) -> list[str]:
    """Drop quoted lines and the attributions that introduce them; keep what was written between,
    one blank line apart where a quote stood between two of its lines."""
    drop = {n for start, end, above_quote in attributions if above_quote for n in range(start, end)}
    kept: list[str] = []
    gap = False
    for n, line in enumerate(lines):
        if n in drop or quoted[n]:
            gap = True
            continue
        if gap and line.strip() and kept and kept[-1].strip():
            kept.append("")
        gap = gap and not line.strip()
        kept.append(line)
    return kept


def _signature_start(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        footer = MOBILE_FOOTER.match(line) and any(s.strip() for s in lines[:i])
        if SIGNATURE.match(line) or footer:
            return i
    return len(lines)


def _tidy(lines: list[str]) -> str:
    """No leading or trailing blank lines, and at most one blank line in a row."""
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


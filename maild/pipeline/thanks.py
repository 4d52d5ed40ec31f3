"""Whether a reply only says thank you: such a reply to a resolved ticket must not reopen it.

A short list of phrases per language (those the quote stripping knows, and a few more): thanks,
words that only agree or praise ("great", "perfect"), and sign-offs. Every line of the text must
be made of them alone, or be a short name line at the end (the writer's signature). When unsure,
the answer is no: a reply that says anything else reopens the ticket as before.
"""

from __future__ import annotations

import re

from maild.pipeline.context import ParsedMail

# Those whose attributions pipeline.quotes knows, and a few more.
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "pl", "ru", "uk", "da", "no", "fi",
             "cs", "hu", "ro", "el", "tr", "zh", "ja", "ko")
THANKS = (
    # en
    r"thanks?(?: you)?", r"thank u", r"thx", r"ty", r"tyvm", r"many thanks", r"cheers", r"ta",
    r"much appreciated", r"appreciated?", r"thanks again", r"thank you again",
    # de
    r"danke(?: schön| schoen| sehr| vielmals)?", r"vielen (?:herzlichen )?dank", r"besten dank",
    r"herzlichen dank", r"dankeschön", r"merci",
    # fr
    r"merci(?: beaucoup| bien| infiniment| encore)?", r"je vous remercie", r"grand merci",
    # es
    r"gracias", r"muchas gracias", r"mil gracias", r"muchísimas gracias",
    # it
    r"grazie(?: mille| tante)?", r"molte grazie", r"ti ringrazio", r"vi ringrazio",
    # nl
    r"dank(?:je| je| u)?(?: wel)?", r"bedankt", r"hartelijk dank", r"heel erg bedankt",
    # pt
    r"obrigad[oa](?: mesmo)?", r"muito obrigad[oa]", r"valeu",
    # sv, da, no
    r"tack(?: så mycket| så mkt)?", r"tusen tack", r"stort tack", r"tak(?: skal du have)?",
    r"mange tak", r"takk(?: skal du ha)?", r"tusen takk",
    # pl
    r"dzięki", r"dziękuję(?: bardzo)?", r"dziekuje(?: bardzo)?", r"bardzo dziękuję",
    # ru
    r"спасибо(?: большое| огромное)?", r"большое спасибо", r"благодарю",
    # uk, fi, cs, hu, ro, el, tr
    r"дякую(?: дуже)?", r"щиро дякую", r"kiitos(?: paljon)?", r"děkuji(?: moc)?", r"díky",
    r"köszönöm(?: szépen)?", r"köszi", r"mulțumesc(?: frumos| mult)?", r"multumesc", r"mersi",
    r"ευχαριστώ(?: πολύ)?", r"teşekkürler", r"teşekkür ederim", r"çok teşekkürler", r"sağ ?olun",
    # zh, ja, ko: no spaces between words, so the usual endings are spelt out
    r"谢谢(?:你|您)?", r"謝謝(?:你|您)?", r"多谢", r"非常感谢",
    r"ありがとう(?:ございます|ございました)?",
    r"감사합니다", r"고맙습니다",
)
AGREEING = (
    r"ok(?:ay)?", r"great", r"perfect", r"awesome", r"excellent", r"brilliant", r"wonderful",
    r"very much", r"so much", r"a lot", r"again", r"all good", r"works now", r"that worked",
    r"super", r"prima", r"perfekt", r"toll", r"parfait", r"génial", r"genial", r"perfecto",
    r"perfetto", r"ottimo", r"perfeito", r"ótimo", r"toppen", r"świetnie", r"отлично",
    r"for your help", r"for the help", r"for the quick reply", r"for sorting this out",
    r"für ihre hilfe", r"für die hilfe", r"pour votre aide", r"por su ayuda", r"por tu ayuda",
    r"per l'aiuto", r"voor de hulp", r"pela ajuda", r"för hjälpen", r"za pomoc", r"за помощь",
)
SIGN_OFFS = (
    r"(?:best|kind|warm|many)? ?regards", r"best(?: wishes)?", r"all the best", r"have a nice day",
    r"br", r"rgds", r"sincerely", r"yours(?: sincerely)?",
    r"(?:mit )?(?:freundlichen|besten|lieben|viele) grüßen?", r"(?:mit )?freundlichen gruessen",
    r"mfg", r"lg", r"viele grüße", r"gruß", r"grüße",
    r"cordialement", r"bien à vous", r"bonne journée", r"salutations",
    r"saludos(?: cordiales)?", r"un saludo", r"atentamente",
    r"cordiali saluti", r"saluti", r"distinti saluti",
    r"met vriendelijke groet(?:en)?", r"groet(?:en|jes)?", r"mvg",
    r"atenciosamente", r"cumprimentos", r"abraços?",
    r"med vänliga hälsningar", r"vänliga hälsningar", r"hälsningar", r"mvh", r"med venlig hilsen",
    r"z poważaniem", r"pozdrawiam", r"pozdrowienia",
    r"с уважением", r"всего доброго", r"всего хорошего", r"з повагою", r"üdvözlettel",
    r"cu stimă", r"με εκτίμηση", r"saygılarımla", r"此致敬礼", r"よろしくお願いします",
)
MAX_CHARS = 300  # a thank-you is short; anything longer says more
MAX_NAME_WORDS = 4


def _any_of(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Whole words only; the longest phrase first, so "thank you" wins over "thank"."""
    alternatives = "|".join(sorted(phrases, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})(?!\w)", re.IGNORECASE)


_PHRASE = _any_of(THANKS + AGREEING + SIGN_OFFS)
_THANKS = _any_of(THANKS)
_FILLER = re.compile(r"[\W_]+")  # punctuation, emoji, spaces: what may remain besides phrases
_NAME = re.compile(r"^[^\W\d_][\w.'-]*$")
_SIGNATURE = re.compile(r"^-- ?$")


def only_thanks(text: str, sender_name: str = "") -> bool:
    """True when `text` (a reply's new text, quotes already cut) says nothing but thanks."""
    lines = _without_signature(text)
    if not lines or len(" ".join(lines)) > MAX_CHARS:
        return False
    names = {word.lower() for word in re.findall(r"\w+", sender_name)}
    thanked = False
    for number, line in enumerate(lines):
        if _THANKS.search(line):
            thanked = True
        if _only_phrases(line):
            continue
        if not (thanked and number >= len(lines) - 2 and _is_name_line(line, names)):
            return False
    return thanked


def thanks_only_reply(mail: ParsedMail, new_text: str) -> bool:
    """A reply whose new text only thanks and that carries no attachment."""
    return not mail.attachments and only_thanks(new_text, mail.from_name)


def _without_signature(text: str) -> list[str]:
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if _SIGNATURE.match(line.rstrip()):
            break
        if line.strip():
            lines.append(line.strip())
    return lines


def _only_phrases(line: str) -> bool:
    return not _FILLER.sub("", _PHRASE.sub(" ", line))


def _is_name_line(line: str, names: set[str]) -> bool:
    """The writer's name under the thanks: words of their From name, or one capitalised word
    (a first name, initials)."""
    words = [w for w in re.split(r"[\s,]+", line.strip(" .!")) if w]
    if not words or len(words) > MAX_NAME_WORDS:
        return False
    if all(w.lower().strip(".") in names for w in words):
        return True
    return len(words) == 1 and bool(_NAME.match(words[0])) and words[0][0].isupper()

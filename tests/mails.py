"""Building test mails."""

from __future__ import annotations

import itertools
from email.message import EmailMessage

_counter = itertools.count(1)


def mail(
    sender: str = "Dana Admin <dana@bath.example.ac.uk>",
    subject: str = "Placement report shows the wrong dates",
    body: str = "The report is wrong since this morning.",
    to: str = "helpdesk@example.com",
    **headers: str,
) -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject
    m["Message-ID"] = headers.pop("message_id", f"<test-{next(_counter)}@bath.example.ac.uk>")
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return m


def varied(n: int, seed: int = 7, prefix: str = "v") -> list[bytes]:
    """N different new-ticket mails as clients write them: plain, HTML alternative, PDF attachment,
    non-ASCII subject and body, quoted-printable and base64; CRLF line ends as on the wire."""
    import random
    from email.policy import SMTP

    rng = random.Random(seed)
    mails = []
    for i in range(n):
        m = EmailMessage()
        m["From"] = (f"Contact {i} <user{i}@bath.example.ac.uk>" if i % 3
                     else f"Stranger {i} <s{i}@example.org>")
        m["To"] = "helpdesk@example.com"
        m["Message-ID"] = f"<{prefix}-{i}-{seed}@example.org>"
        m["Subject"] = [f"Report {i} shows wrong dates",
                        f"Caf\u00e9 r\u00e9servation {i} \u00e9choue",
                        f"\u65e5\u672c\u8a9e {i}", f"Export {i} fails"][i % 4]
        body = f"Hello,\n\nProblem number {i}.\n" + "Details of the problem.\n" * rng.randint(1, 30)
        m.set_content(body if i % 5 else body + "Gr\u00fc\u00dfe, \u00e7a va \u20ac\n")
        if i % 4 == 1:
            m.add_alternative(f"<p>{body}</p>", subtype="html")
        elif i % 4 == 2:
            m.add_attachment(rng.randbytes(3000), maintype="application", subtype="pdf",
                             filename=f"report-{i}.pdf")
        mails.append(m.as_bytes(policy=SMTP))
    return mails


def follow_up(original: bytes, i: int, prefix: str = "follow-up") -> bytes:
    """The sender of `original` writes again on their own thread (In-Reply-To/References to it)."""
    from email import message_from_bytes
    from email.policy import SMTP

    first = message_from_bytes(original)
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = first["From"], "helpdesk@example.com", "Re: more details"
    m["Message-ID"] = f"<{prefix}-{i}@example.org>"
    m["In-Reply-To"] = m["References"] = first["Message-ID"]
    m.set_content(f"One more detail about it, number {i}.\n")
    return m.as_bytes(policy=SMTP)


def out_of_office(i: int, prefix: str = "ooo") -> bytes:
    """An auto-responder's answer, marked as such (RFC 3834): stored, never acknowledged."""
    from email.policy import SMTP

    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = ("Out Of Office <ooo@example.org>", "helpdesk@example.com",
                                        "Automatic reply: away")
    m["Auto-Submitted"], m["Message-ID"] = "auto-replied", f"<{prefix}-{i}@example.org>"
    m.set_content("I am away this week.\n")
    return m.as_bytes(policy=SMTP)

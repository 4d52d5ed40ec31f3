"""A realistic helpdesk mix with known right answers, for the benchmarks.

New requests (contacts and strangers; plain, HTML, PDF attachments, non-ASCII), replies by subject
tag from the original sender to an earlier ticket, and auto-replies. Ticket numbers follow the
order of the new requests, so the expected outcome of every mail is known in advance.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP


@dataclass
class Expected:
    opened: int = 0
    replied: int = 0
    ignored: int = 0


def helpdesk_mix(n: int, seed: int = 11) -> tuple[list[bytes], Expected]:
    rng = random.Random(seed)
    mails: list[bytes] = []
    expected = Expected()
    senders: list[str] = []  # senders[k] opened ticket k+1
    for i in range(n):
        m = EmailMessage()
        roll = rng.random()
        m["To"] = "helpdesk@example.com"
        m["Message-ID"] = f"<mix-{seed}-{i}@example.org>"
        body = (f"Hello,\n\nAbout case {i}.\n"
                + "A line describing the problem in some detail.\n" * rng.randint(2, 25))
        if roll < 0.05 and senders:
            m["From"] = "Out Of Office <ooo@example.org>"
            m["Subject"] = "Automatic reply: I am away"
            m["Auto-Submitted"] = "auto-replied"
            expected.ignored += 1
        elif roll < 0.25 and senders:
            number = rng.randint(1, len(senders))
            m["From"] = senders[number - 1]
            m["Subject"] = f"Re: [#{number}] more information"
            expected.replied += 1
        else:
            sender = (f"User {i} <user{i}@bath.example.ac.uk>" if roll < 0.7
                      else f"Someone {i} <p{i}@example.net>")
            senders.append(sender)
            m["From"] = sender
            m["Subject"] = rng.choice([f"Report {i} is wrong", f"Caf\u00e9 export {i} \u00e9choue",
                                       f"Login page slow ({i})", f"Frage zu Rechnung {i} \u00fc"])
            expected.opened += 1
        m.set_content(body if i % 3 else body + "Gr\u00fc\u00dfe \u20ac\n")
        if i % 5 == 1:
            m.add_alternative(f"<html><body><p>{body}</p></body></html>", subtype="html")
        elif i % 10 == 2:
            m.add_attachment(rng.randbytes(4000), maintype="application", subtype="pdf",
                             filename=f"case-{i}.pdf")
        mails.append(m.as_bytes(policy=SMTP))
    return mails, expected

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

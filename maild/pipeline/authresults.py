"""Did our own mail server see a DKIM or DMARC pass for the From domain? (RFC 8601)

Only `Authentication-Results` headers carrying the configured server id count: anyone can write
such a header into a mail, and the receiving server is expected to remove forged ones with its own
id (RFC 8601 section 5). Our server puts its header on top of the Received header it writes
itself, so only headers above that Received are ours (counting past the `trusted_hops` Received
headers our own servers add after it, such as Dovecot's LMTP hop): one carrying our id further
down was written by the sender or a hop before ours, and a mail without any Received header never
came through our server at all (RFC 8601 section 7). A pass counts when it is DMARC for the From
domain, or DKIM signed by the From domain itself (`header.d`, or the domain of `header.i`).
"""

from __future__ import annotations

from email.message import Message

import authres

HEADER = "Authentication-Results"


def trusted_pass(headers: Message, authserv_id: str | None, from_address: str | None,
                 trusted_hops: int = 0) -> str | None:
    """A description of the trusted pass (e.g. "dkim=pass header.d=example.com"), or None.
    `trusted_hops`: Received headers our own servers add on top after the MX (a Dovecot LMTP hop).
    """
    return _trusted_result(headers, authserv_id, from_address, trusted_hops, "pass")


def trusted_fail(headers: Message, authserv_id: str | None, from_address: str | None,
                 trusted_hops: int = 0) -> str | None:
    """As trusted_pass, for a DKIM or DMARC `fail` our own server reported for the From domain."""
    return _trusted_result(headers, authserv_id, from_address, trusted_hops, "fail")


def _trusted_result(headers: Message, authserv_id: str | None, from_address: str | None,
                    trusted_hops: int, wanted: str) -> str | None:
    if not authserv_id or not from_address:
        return None
    domain = from_address.rpartition("@")[2].lower()
    for value in _ours(headers, trusted_hops):
        parsed = _parse(str(value))
        if parsed is None or parsed.authserv_id.lower() != authserv_id.lower():
            continue
        for result in parsed.results:
            if result.result == wanted and domain in _domains(result):
                return f"{result.method}={wanted} for {domain} by {parsed.authserv_id}"
    return None


def _ours(headers: Message, trusted_hops: int) -> list[str]:
    """The Authentication-Results values above the Received header of the MX (the first one below
    our own `trusted_hops`), top down."""
    found: list[str] = []
    hops = 0
    for name, value in headers.items():
        if name.lower() == "received":
            hops += 1
            if hops > trusted_hops:
                return found
        elif name.lower() == HEADER.lower():
            found.append(str(value))
    return []  # not as many Received headers as our own chain adds: not delivered through it


def _parse(value: str) -> authres.AuthenticationResultsHeader | None:
    try:
        return authres.AuthenticationResultsHeader.parse(f"{HEADER}: {' '.join(value.split())}")
    except authres.AuthResError:
        return None


def _domains(result: authres.AuthenticationResult) -> set[str]:
    """The domains a dkim or dmarc result vouches for; none for others (spf is the envelope)."""
    wanted = {"dkim": {"d", "i"}, "dmarc": {"from"}}.get(result.method, set())
    return {str(p.value).rpartition("@")[2].lower() for p in result.properties
            if p.type == "header" and p.name in wanted}

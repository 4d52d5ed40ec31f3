"""Who is who: staff and organisations' contacts, looked up by address.

A contact is found by exact address first (a designated contact, with their role), then by the
organisation's explicit addresses and mail domains (subdomains included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from maild.config import AccountsFile, Organisation


@dataclass(frozen=True)
class Author:
    """Who wrote a mail, as the accounts file knows them."""

    kind: Literal["staff", "contact", "unknown"]
    address: str | None
    name: str
    organisation: str | None = None
    role: str | None = None
    staff_key: str | None = None
    designated: bool = False  # a contact named in accounts.yaml, not only someone at its domain

class Directory:
    """Look-ups built once per loaded accounts file."""

    def __init__(self, accounts: AccountsFile) -> None:
        self.staff = {email: s for s in accounts.staff if s.active for email in s.emails}
        self.staff_by_key = {s.key: s for s in accounts.staff}
        self.organisations = {org.key: org for org in accounts.organisations}
        self.contacts = {
            c.email: (org, c) for org in accounts.organisations for c in org.contacts if c.active
        }
        self.addresses = {a: org for org in accounts.organisations for a in org.addresses}
        self.domains = {d: org for org in accounts.organisations for d in org.domains}

    def identify(self, address: str | None, name: str) -> Author:
        if not address:
            return Author(kind="unknown", address=None, name=name)
        if address in self.staff:
            staff = self.staff[address]
            return Author(kind="staff", address=address, name=staff.name,
                          role=",".join(staff.roles) or None, staff_key=staff.key)
        if address in self.contacts:
            org, contact = self.contacts[address]
            return Author(kind="contact", address=address, name=contact.name or name,
                          organisation=org.key, role=contact.role, designated=True)
        domain = address.rpartition("@")[2]
        org = self.addresses.get(address) or self._organisation_by_domain(domain)
        if org is not None:
            return Author(kind="contact", address=address, name=name, organisation=org.key)
        return Author(kind="unknown", address=address, name=name)

    def _organisation_by_domain(self, domain: str) -> Organisation | None:
        """`support.bath.ac.uk` belongs to the organisation that owns `bath.ac.uk`."""
        labels = domain.split(".")
        for i in range(len(labels) - 1):
            org = self.domains.get(".".join(labels[i:]))
            if org is not None:
                return org
        return None

"""The models of `accounts.yaml`: staff with their roles and leave, organisations with their
account managers, contract dates, phases and contacts, and the queues."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, field_validator, model_validator

from maild import defaults
from maild.config.fields import ContactRole, Strict, as_list, check_address, check_addresses

StaffRole = Literal["helpdesk", "engineer", "account_manager", "customer_services_manager",
                    "on_call"]


class Away(Strict):
    """A staff member's absence; `delegate` covers their organisations and tickets meanwhile."""

    from_: date = Field(alias="from")
    until: date
    delegate: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Away:
        if self.until < self.from_:
            raise ValueError("until is before from")
        return self


class Staff(Strict):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")  # it is part of signed reply addresses
    name: str
    emails: list[str]
    roles: list[StaffRole] = []
    timezone: str = defaults.OFFICE_TIMEZONE
    away: list[Away] = []
    active: bool = True

    _emails = field_validator("emails", mode="before")(as_list)
    _emails_valid = field_validator("emails")(check_addresses)

    def away_on(self, day: date) -> Away | None:
        return next((a for a in self.away if a.from_ <= day <= a.until), None)


class Contact(Strict):
    name: str
    email: str
    role: ContactRole = "user"
    position: Literal["lead", "deputy"] = "lead"
    primary_user: bool = False
    verified: date | None = None  # when the contact details were last checked
    active: bool = True

    _email = field_validator("email")(check_address)


class Reviews(Strict):
    monthly_meeting: bool = True
    quarterly_review: bool = False
    annual_review: bool = True


class Organisation(Strict):
    key: str
    name: str
    domains: list[str] = []
    addresses: list[str] = []  # single addresses that belong to it (e.g. at a shared mail provider)
    account_manager: str | None = None
    deputy: str | None = None
    phase: Literal["implementation", "live"] = "live"
    live_from: date | None = None  # the implementation phase ends (ended) the day before
    contract_start: date | None = None
    reviews: Reviews = Reviews()
    contacts: list[Contact] = []

    _lists = field_validator("domains", "addresses", mode="before")(as_list)
    _addresses = field_validator("addresses")(check_addresses)

    @field_validator("domains")
    @classmethod
    def _lower(cls, values: list[str]) -> list[str]:
        return [v.lower() for v in values]

    def phase_on(self, day: date) -> str:
        """The phase on `day`: decided by `live_from` when given, else `phase` as written."""
        if self.live_from is None:
            return self.phase
        return "live" if day >= self.live_from else "implementation"

    def senior_decision_makers(self) -> list[Contact]:
        return [c for c in self.contacts if c.role == "senior_decision_maker" and c.active]

    def admin_managers(self) -> list[Contact]:
        leads_first = sorted(self.contacts, key=lambda c: c.position != "lead")
        return [c for c in leads_first if c.role == "admin_manager" and c.active]


class AccountSettings(Strict):
    max_primary_users: int = Field(5, ge=1)


class AccountsFile(Strict):
    settings: AccountSettings = AccountSettings()
    staff: list[Staff] = []
    organisations: list[Organisation] = []
    queues: dict[str, list[str]] = {}

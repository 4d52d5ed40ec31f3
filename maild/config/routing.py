"""The models of `routing.yaml`: the ordered rules (what a mail must match, what then happens to
it) and the defaults for mail that no rule matches."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from maild.config.fields import ContactRole, Kind, Strict, as_list, check_addresses

RouteTarget = str  # "account_manager", "customer_services_manager", "queue", or a staff key
SPECIAL_TARGETS = ("account_manager", "customer_services_manager", "queue")


def _check_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    return pattern


class RuleMatch(Strict):
    """Conditions of a rule; all that are given must hold. Text matching ignores case."""

    subject_contains: list[str] = []
    subject_starts_with: list[str] = []
    subject_regex: str | None = None
    from_address: list[str] = []
    from_domain: list[str] = []
    to_address: list[str] = []
    organisation: list[str] = []
    sender_kind: list[Literal["staff", "contact", "unknown"]] = []
    contact_role: list[ContactRole] = []
    header: dict[str, str] = {}  # header name -> regex over its value
    body_contains: list[str] = []
    body_regex: str | None = None
    office_hours: Literal["inside", "outside"] | None = None
    has_attachment: bool | None = None

    _lists = field_validator(
        "subject_contains", "subject_starts_with", "from_address", "from_domain", "to_address",
        "organisation", "sender_kind", "contact_role", "body_contains", mode="before",
    )(as_list)
    _regex = field_validator("subject_regex", "body_regex")(
        lambda v: v if v is None else _check_regex(v))
    _addresses = field_validator("from_address", "to_address")(check_addresses)

    @field_validator("header")
    @classmethod
    def _header_regexes(cls, value: dict[str, str]) -> dict[str, str]:
        checked = {}
        for name, pattern in value.items():
            try:
                checked[name] = _check_regex(pattern)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        return checked


class RuleThen(Strict):
    kind: Kind | None = None
    priority: int | None = Field(None, ge=1, le=4)
    queue: str | None = None
    route_to: RouteTarget | None = None
    acknowledge: str | None = "acknowledgement"
    notify: list[str] = []  # staff keys, or a staff role such as on_call
    tags: list[str] = []
    stop: bool = True

    _lists = field_validator("notify", "tags", mode="before")(as_list)

    @field_validator("acknowledge", mode="before")
    @classmethod
    def _template_or_false(cls, value: Any) -> Any:
        """`acknowledge: false` sends none; `true` the default template; a string names one."""
        if value is False:
            return None
        return "acknowledgement" if value is True else value


class Rule(Strict):
    name: str
    match: RuleMatch = RuleMatch()
    then: RuleThen


class RouteDefaults(Strict):
    kind: Kind = "incident"
    priority: int = Field(3, ge=1, le=4)
    queue: str = "helpdesk"
    acknowledge: str | None = "acknowledgement"


class RoutingFile(Strict):
    defaults: RouteDefaults = RouteDefaults()
    rules: list[Rule] = []

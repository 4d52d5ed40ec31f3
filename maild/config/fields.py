"""What the models of all three files share: the strict base model, the value types that more
than one file uses, and the address checks."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Kind = Literal["incident", "feature_request", "question", "complaint", "escalation"]
UnknownPolicy = Literal["accept", "accept_flagged", "redirect"]
ContactRole = Literal[
    "senior_decision_maker", "admin_manager", "project_manager", "billing", "emergency", "user"
]
# Plain ASCII `local@domain` (RFC 5322 dot-atom characters) of at most 254 characters (RFC 5321's
# 256-octet path less its brackets): anything else (non-ASCII, control characters, quotes, absurd
# lengths) is not an address maild will store, write into a header or hand to RCPT TO.
ADDRESS_RE = re.compile(
    r"^(?=.{3,254}\Z)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+\Z"
)


class Strict(BaseModel):
    """Unknown keys are errors; loaded objects never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def as_list(value: Any) -> Any:
    """Let a single value stand where a list is expected (`domains: example.com`)."""
    return [value] if isinstance(value, str) else value


def check_address(value: str) -> str:
    if not ADDRESS_RE.match(value):
        raise ValueError(f"not a plain mail address: {value!r}")
    return value.lower()


def check_addresses(values: list[str]) -> list[str]:
    return [check_address(v) for v in values]

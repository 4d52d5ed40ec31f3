"""Load and validate maild's three YAML files into typed, frozen objects.

`maild.yaml` names the other two (`routing.yaml`, `accounts.yaml`); every path in a file is
relative to that file, so the shipped example runs from a fresh clone. Every problem found is
reported, all in one run, as `file:line: path.to.key: message`. Secrets are never read from the
YAML itself: only from a file, an environment variable or a systemd credential.

Modules, each importing only those above it: `fields` and `loader` (the base model, YAML with
line numbers, secrets), `main`, `routing` and `accounts` (one per file), `whole` (all three read,
resolved and checked against each other).
"""

from maild.config.accounts import AccountsFile, Organisation, Staff
from maild.config.fields import ADDRESS_RE, Kind
from maild.config.main import (DatabaseTarget, ImapMailbox, Limits, MainFile, OfficeHours,
                               PriorityTarget, Relay, Reminders, Retry, ServiceTargets,
                               SmtpInbound)
from maild.config.routing import Rule, RoutingFile
from maild.config.whole import Config, load_config, resolve_config_path

__all__ = [
    "ADDRESS_RE", "AccountsFile", "Config", "DatabaseTarget", "ImapMailbox", "Kind", "Limits",
    "MainFile", "OfficeHours", "Organisation", "PriorityTarget", "Relay", "Reminders", "Retry",
    "Rule", "RoutingFile", "ServiceTargets", "SmtpInbound", "Staff", "load_config",
    "resolve_config_path",
]

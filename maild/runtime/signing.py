"""Signed reply addresses: `helpdesk+t1234.c.k9f3a2b1c4d5@example.com`.

The tag after `+` names a ticket and the role of whoever the address was given to: `c` for the
customer side (requester and participants), `s-<staff key>` for one staff member. The last part
is an HMAC-SHA256 of both, so an address cannot be guessed, moved to another ticket, or turned from
a customer's into a staff member's. Lower-case base32, since some servers fold local parts.

The same key signs the Message-IDs of the mail maild sends (`<maild.<random>.<mac>@domain>`): when
one comes back (a forwarding rule, a robot), it is recognised as our own by something no outsider
can write, unlike a loop header or our domain, which anyone can copy into a mail.
"""

from __future__ import annotations

import base64
import hmac
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path

from maild.config import Config
from maild.errors import ConfigError

CUSTOMER = "c"
START_TICKET = 0  # `t0.s-<key>`: a staff member's address for starting tickets (no ticket yet)
MAC_CHARS = 12  # 60 bits: far beyond what anyone can try by sending mail
KEY_FILE = "reply.key"
MESSAGE_ID_RE = re.compile(r"^<maild\.([0-9a-f]{32})\.([a-z2-7]{%d})@([^<>@\s]+)>$" % MAC_CHARS)
TAG_RE = re.compile(r"^t(\d{1,9})\.(c|s-[a-z0-9][a-z0-9_-]{0,31})\.([a-z2-7]{%d})$" % MAC_CHARS)
_DRY_RUN_KEY: ContextVar[bytes | None] = ContextVar("dry_run_key", default=None)


def staff_role(staff_key: str) -> str:
    return f"s-{staff_key}"


def start_address(addresses: ReplyAddresses, staff_key: str) -> str:
    """The staff member's signed address for starting tickets (a forward, `#to`, a new ticket)."""
    return addresses.make(START_TICKET, staff_role(staff_key))


@dataclass(frozen=True)
class SignedAddress:
    address: str
    ticket: int
    role: str
    valid: bool  # False: it has our form but its signature does not match (tampered or foreign)

    @property
    def staff_key(self) -> str | None:
        return self.role[2:] if self.role.startswith("s-") else None


class ReplyAddresses:
    def __init__(self, helpdesk_address: str, secret: Callable[[], bytes]) -> None:
        """`secret` is read at first use, so commands that send nothing never create a key file."""
        self.local, _, self.domain = helpdesk_address.partition("@")
        self._load_secret = secret

    @classmethod
    def for_config(cls, config: Config) -> ReplyAddresses:
        """The signer of one loaded config (built with its Settings): the key is read once."""
        return cls(config.helpdesk.address, partial(load_secret, config))

    @cached_property
    def _secret(self) -> bytes:
        return self._load_secret()

    def forget_secret(self) -> None:
        """Read the secret again at next use."""
        self.__dict__.pop("_secret", None)

    def make(self, ticket: int, role: str) -> str:
        return f"{self.local}+t{ticket}.{role}.{self._mac(ticket, role)}@{self.domain}"

    def read(self, address: str) -> SignedAddress | None:
        """The signed address `address` is, or None when it is not one of ours at all."""
        local, _, domain = address.lower().partition("@")
        base, plus, tag = local.partition("+")
        if not plus or base != self.local.lower() or domain != self.domain.lower():
            return None
        found = TAG_RE.match(tag)
        if found is None:
            return SignedAddress(address, 0, "", valid=False)
        ticket, role, mac = int(found.group(1)), found.group(2), found.group(3)
        return SignedAddress(address, ticket, role, hmac.compare_digest(mac, self._mac(ticket,
                                                                                       role)))

    def message_id(self) -> str:
        """A new Message-ID for a mail of ours, signed so that only we can write one."""
        token = os.urandom(16).hex()  # 128 random bits (a uuid4 had 122)
        return f"<maild.{token}.{self._mac('message-id', token)}@{self.domain}>"

    def is_ours(self, message_id: str | None) -> bool:
        """Did maild write this Message-ID (with the current key)?"""
        found = MESSAGE_ID_RE.match((message_id or "").lower())
        return (found is not None and found.group(3) == self.domain.lower()
                and hmac.compare_digest(found.group(2), self._mac("message-id", found.group(1))))

    def _mac(self, ticket: int | str, role: str) -> str:
        """The first MAC_CHARS base32 characters of the HMAC-SHA256 of `ticket:role`."""
        digest = hmac.digest(self._secret, f"{ticket}:{role}".encode(), "sha256")
        # base32 turns each 5 bytes into 8 characters on their own: 10 bytes give the first 16
        return base64.b32encode(digest[:10]).decode("ascii")[:MAC_CHARS].lower()


def load_secret(config: Config) -> bytes:
    """The configured secret, or the key file in the state directory, created on first use.

    Hosts sharing one database must share the secret: configure it for them (DESIGN: scale out).
    """
    configured = config.conversations_secret()
    if configured is not None:
        if len(configured) < 16:
            raise ConfigError([
                "conversations: the reply-address secret must be at least 16 characters"])
        return configured.encode()
    return _state_key(config.state_dir / KEY_FILE)


@contextmanager
def dry_run_key(config: Config, signer: ReplyAddresses) -> Iterator[None]:
    """Inside, a key file that does not exist yet is not created: a key for this block alone signs
    (a dry run must leave the state directory as it found it)."""
    if config.conversations_secret() is not None or (config.state_dir / KEY_FILE).exists():
        yield
        return
    token = _DRY_RUN_KEY.set(base64.b32encode(os.urandom(32)).lower())
    try:
        yield
    finally:
        _DRY_RUN_KEY.reset(token)
        signer.forget_secret()  # it may hold the block's key: not for later mail


def _state_key(path: Path) -> bytes:
    """Read the key file, or write a new one: to a temporary name, then linked into place, so two
    processes starting at once end up with the same complete key."""
    if path.exists():
        return path.read_bytes().strip()
    dry_run = _DRY_RUN_KEY.get()
    if dry_run is not None:
        return dry_run
    key = base64.b32encode(os.urandom(32)).lower()
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key + b"\n")
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won; use its key
        finally:
            temporary.unlink()
        return path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError([f"cannot create {path}: {exc.strerror}"]) from None

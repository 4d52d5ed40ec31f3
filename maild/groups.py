"""Optimistic groups: the mails of one SQLite batch, none in a savepoint of its own.

A mail goes through the pipeline without a savepoint. Should the pipeline fail on one, the group
is rolled back and its mails so far are done again, each in its savepoint; so is the failing one,
which is then quarantined alone. See docs/internals.md.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from maild.arrival import Arrival
from maild.store.db import restart_transaction

log = logging.getLogger("maild.pipeline")
R = TypeVar("R", bound=enum.Enum)


class Spoiled(Exception):
    """The pipeline failed on a mail processed without its own savepoint: its group is redone."""


@dataclass
class CommitGroup(Generic[R]):
    """The mails of one group so far, while they need no savepoint each."""

    said: list[str]  # the mails' log lines, written once the group is committed
    optimistic: bool = True
    broken: str | None = None  # why the group must not commit
    done: list[tuple[Arrival, R]] = field(default_factory=list)

    def accept(self, arrival: Arrival, accept_one: Callable[[Arrival, bool], R]) -> R:
        """`accept_one(arrival, isolated)`; not isolated (no savepoint), it raises Spoiled on
        failure."""
        if not self.optimistic:
            return accept_one(arrival, True)
        try:
            outcome = accept_one(arrival, False)
        except Spoiled:
            self._redo_carefully(accept_one)
            return accept_one(arrival, True)
        self.done.append((arrival, outcome))
        return outcome

    def _redo_carefully(self, accept_one: Callable[[Arrival, bool], R]) -> None:
        """Roll back and do the mails so far again, each in its savepoint: they were neither
        committed nor confirmed. Should that fail, the group is broken and fails as a whole."""
        self.optimistic = False
        self.said.clear()
        try:
            restart_transaction()
            for arrival, outcome in self.done:
                again = accept_one(arrival, True)
                if again is not outcome:  # the channel files it by the first answer; it is kept
                    log.warning("mail from %s was %s, then %s when its group was done again",
                                arrival.source, outcome.value, again.value)
        except Exception as exc:
            self.broken = f"redoing the group failed: {type(exc).__name__}: {exc}"
            raise
        self.done.clear()

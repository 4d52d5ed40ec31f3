"""Token command health, written as a token source's state changes (maild/runtime/tokens.py)."""

from __future__ import annotations

from maild.store.db import transaction
from maild.store.models import TokenHealth, utcnow


def record_token_state(label: str, error: str | None) -> None:
    """`error` None: the token works again."""
    changes = ({"last_ok_at": utcnow()} if error is None
               else {"last_error": error[:2000], "last_error_at": utcnow()})
    with transaction():
        row, _ = TokenHealth.get_or_create(label=label)
        TokenHealth.update(**changes).where(TokenHealth.id == row.id).execute()

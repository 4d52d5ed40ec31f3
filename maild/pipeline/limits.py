"""Step: refuse mail over the configured size before spending any time parsing it."""

from __future__ import annotations

from maild.errors import Quarantine
from maild.pipeline.context import MailContext


def check_limits(ctx: MailContext) -> None:
    limit = ctx.settings.config.main.limits.max_message_bytes
    if len(ctx.content) > limit:
        raise Quarantine(f"message is {len(ctx.content)} bytes, over the limit of {limit}")

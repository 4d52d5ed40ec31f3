"""Step: who sent this mail? Staff, a contact of an organisation, or unknown (`Directory`)."""

from __future__ import annotations

from maild.pipeline.context import MailContext


def identify(ctx: MailContext) -> None:
    assert ctx.mail is not None
    ctx.sender = ctx.settings.directory.identify(ctx.mail.from_address, ctx.mail.from_name)

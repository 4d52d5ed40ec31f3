"""The loaded configuration plus everything derived from it, swapped as one on reload."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from maild.config import Config, load_config
from maild.errors import ConfigError
from maild.outbound.render import Renderer
from maild.pipeline.classify import CompiledRule, compile_rules
from maild.pipeline.identify import Directory
from maild.pipeline.reply_address import ReplyAddresses, reply_addresses
from maild.schedule.calendar import BusinessCalendar

log = logging.getLogger("maild.config")


@dataclass(frozen=True)
class Settings:
    config: Config
    directory: Directory
    rules: list[CompiledRule]
    calendar: BusinessCalendar
    renderer: Renderer
    reply_addresses: ReplyAddresses

    @classmethod
    def build(cls, config: Config) -> Settings:
        return cls(
            config=config,
            directory=Directory(config.accounts),
            rules=compile_rules(config.routing),
            calendar=BusinessCalendar(config.main.office_hours),
            renderer=Renderer(config.templates_dir),
            reply_addresses=reply_addresses(config),
        )


class Runtime:
    """Holds the current Settings. A mail takes one snapshot and keeps it to the end."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def settings(self) -> Settings:
        return self._settings

    def reload(self, path: Path | None = None) -> bool:
        """Load the config again; on any error keep the old one and log why. True when swapped."""
        try:
            new = Settings.build(load_config(path or self._settings.config.path))
        except ConfigError as exc:
            for message in exc.messages:
                log.error("reload refused, old config kept: %s", message)
            return False
        except Exception:  # noqa: BLE001 - a bug in loading must not take the running daemon down
            log.exception("reload failed, old config kept")
            return False
        self._settings = new  # one assignment: a mail in flight keeps the snapshot it took
        log.info("config reloaded: %s", new.config.summary())
        return True

"""The loaded configuration plus everything compiled from it, swapped as one on reload.

The package sits below every layer that uses it and imports only `maild.config` and the utilities.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from maild.config import Config, load_config
from maild.errors import ConfigError
from maild.runtime.calendar import BusinessCalendar
from maild.runtime.directory import Directory
from maild.runtime.routing import CompiledRule, compile_rules
from maild.runtime.signing import ReplyAddresses
from maild.runtime.targets import Targets
from maild.runtime.templates import Renderer

log = logging.getLogger("maild.config")


@dataclass(frozen=True)
class Settings:
    config: Config
    directory: Directory
    rules: list[CompiledRule]
    calendar: BusinessCalendar
    targets: Targets
    renderer: Renderer
    reply_addresses: ReplyAddresses

    @classmethod
    def build(cls, config: Config) -> Settings:
        calendar = BusinessCalendar(config.main.office_hours)
        return cls(
            config=config,
            directory=Directory(config.accounts),
            rules=compile_rules(config.routing),
            calendar=calendar,
            targets=Targets(config.main.service_targets, calendar),
            renderer=Renderer(config.templates_dir),
            reply_addresses=ReplyAddresses.for_config(config),
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

"""What every command shares: the configuration and database, opened on first use, and the console for
messages (stderr, so stdout carries only results)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine

from service.config import Config, load_config
from service.db import open_database

err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class AppContext:
    config_path: Path | None
    explicit: bool
    _config: Config | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, required=self.explicit)
        return self._config

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = open_database(self.config.database_url)
        return self._engine

"""Where a test's store lives, so that a test can close it and open it again."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.store import Store


@dataclass(frozen=True, slots=True)
class StoreTarget:
    """Where a test's store lives; `open()` may be called again to simulate a restart."""

    url: str
    schema: str | None = None

    def open(self) -> Store:
        return Store.open(self.url, schema=self.schema)

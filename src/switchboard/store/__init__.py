"""Persistence: interactions, missed calls, voicemails, users, notification preferences.

SQLAlchemy 2 over SQLite (a file, the default) or PostgreSQL, with the schema
managed by the Alembic migrations in `migrations/`, applied by `Store.open`.

- `tables.py`: the ORM tables; `mapping.py`: records <-> rows;
- `engine.py`: URL -> engine; `migrate.py`: schema upgrades;
- `store.py`: the `Store` the runtime and the API call; `types.py`: its value types.
"""

from switchboard.store.store import Store
from switchboard.store.types import (
    NOTIFICATION_MODES,
    NOTIFICATION_TYPES,
    RecordingFile,
    StoredUser,
    StoreError,
    UserSpec,
    UserSyncResult,
)

__all__ = [
    "NOTIFICATION_MODES",
    "NOTIFICATION_TYPES",
    "RecordingFile",
    "Store",
    "StoreError",
    "StoredUser",
    "UserSpec",
    "UserSyncResult",
]

"""The value types every configuration document shares: ids, numbers, durations.

They live outside `config/` so that the Smart Routing flow documents
(`flows/model.py`), which the tenant model includes, can use them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# The patterns are named so that the loader can explain them in words
# (`config/messages.py`) instead of showing a regular expression to an administrator.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
PHONE_NUMBER_PATTERN = r"^\+?[0-9]{2,20}$"
EXTENSION_PATTERN = r"^[0-9]{2,8}$"
ARGON2_HASH_PATTERN = r"^\$argon2(id|i|d)\$"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
"""Lower-case id: letters, digits, `_`, `.`, `-`; starts with a letter or digit."""

PhoneNumber = Annotated[str, StringConstraints(pattern=PHONE_NUMBER_PATTERN)]
"""A dialable number: optional `+` then 2 to 20 digits, no spaces."""

Extension = Annotated[str, StringConstraints(pattern=EXTENSION_PATTERN)]
Seconds = Annotated[float, Field(gt=0, le=86_400)]


class StrictModel(BaseModel):
    """Unknown keys are errors (a typo must not be ignored); values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


PathPart: TypeAlias = str | int
"""One step into a document: a mapping key (always text) or a list index."""

DocPath: TypeAlias = tuple[PathPart, ...]
"""Where a value sits in the document, from the top: `("queues", 1, "offer_timeout")`."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem at a path of a document that parsed and has the right shape (a
    reference that dangles, a node nobody reaches); the loader adds file and line."""

    path: DocPath
    message: str

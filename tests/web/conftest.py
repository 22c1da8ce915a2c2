from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from .banner import Banner, open_banner

BannerFactory = Callable[..., AbstractAsyncContextManager[Banner]]


@pytest.fixture
def banner(tmp_path: Path) -> BannerFactory:
    """`async with banner(edit=...) as b:` the e2e server serving the Banner, and
    headless Chromium to open agents' screens with `await b.open()`."""
    factory: Callable[..., Any] = functools.partial(open_banner, tmp_path)
    return factory

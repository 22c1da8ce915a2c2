from __future__ import annotations

import pytest

from switchboard.core.clock import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_000.0)

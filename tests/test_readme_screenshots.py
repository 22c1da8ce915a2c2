"""The README shows each main screen of the Banner: every screenshot it shows exists,
and every screen a browser test photographs is shown."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_readme_shows_every_screenshot_the_browser_tests_take() -> None:
    readme = (REPO / "README.md").read_text()
    shown = set(re.findall(r"\(docs/screenshots/([\w-]+)\.png\)", readme))
    taken = {
        name
        for test in (REPO / "tests" / "web").glob("test_*.py")
        for name in re.findall(r'\.shot\("([\w-]+)"\)', test.read_text())
    }
    missing = sorted(n for n in shown if not (REPO / "docs" / "screenshots" / f"{n}.png").is_file())
    assert missing == [], "the README shows screenshots that are not in docs/screenshots"
    assert sorted(taken - shown) == [], "screens the browser tests photograph, not in the README"
    assert sorted(shown - taken) == [], "README screenshots no test takes (they would go stale)"

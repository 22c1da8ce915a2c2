"""The server serves the Banner at `/` as plain files (no build step), beside the API:
`/api/v1/*`, `/docs` and `/openapi.json` keep their own answers, and every module
the page imports is there."""

from __future__ import annotations

import asyncio
import posixpath
import re
from pathlib import Path
from typing import Any

from tests.e2e.harness import running_api

WEB = Path(__file__).resolve().parents[2] / "src" / "switchboard" / "web"
IMPORT = re.compile(r"""(?:import|from)\s*["']([^"']+\.js)["']""")


def test_the_banner_is_served_beside_the_api(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path) as api:
            get = api.client.get
            out["index"] = await get(f"{api.base}/")
            out["docs"] = await get(f"{api.base}/docs")
            out["openapi"] = await get(f"{api.base}/openapi.json")
            out["me"] = await get(f"{api.base}/api/v1/me")
            out["unknown"] = await get(f"{api.base}/api/v1/no-such-route")
            out["missing"] = await get(f"{api.base}/js/no-such-module.js")
            # Every module, from app.js down its imports, and the files index.html names.
            wanted = ["banner.css", "favicon.svg", "js/app.js"]
            served: dict[str, tuple[int, str]] = {}
            while wanted:
                path = wanted.pop()
                if path in served:
                    continue
                response = await get(f"{api.base}/{path}")
                served[path] = (response.status_code, response.headers["content-type"])
                if path.endswith(".js"):
                    folder = posixpath.dirname(path)
                    for target in IMPORT.findall(response.text):
                        wanted.append(posixpath.normpath(posixpath.join(folder, target)))
            out["served"] = {p: _normal(p, s) for p, s in served.items()}
        return out

    out = asyncio.run(scenario())
    index = out["index"]
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="js/app.js"></script>' in index.text
    assert out["docs"].status_code == 200 and "swagger" in out["docs"].text.lower()
    assert out["openapi"].json()["info"]["title"] == "Switchboard"
    assert out["me"].status_code == 401 and out["me"].json()["error"] == "not_authenticated"
    assert out["unknown"].status_code == 404
    assert out["unknown"].json()["message"] == "there is nothing at this address"
    assert out["missing"].status_code == 404
    served = out["served"]
    modules = {p for p in served if p.endswith(".js")}
    on_disk = {p.relative_to(WEB).as_posix() for p in WEB.rglob("*.js")}
    assert modules == on_disk  # every module is imported by the page, and served
    for path, (status, kind) in served.items():
        assert status == 200, path
        assert kind in ("text/javascript", "text/css", "image/svg+xml"), (path, kind)


def _normal(path: str, served: tuple[int, str]) -> tuple[int, str]:
    status, content_type = served
    return status, content_type.split(";")[0].strip()

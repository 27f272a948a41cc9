"""`pr.fastn-apps`: the apps the package mounts (`-- fastn.app:` in FASTN.ftd), as an
`app-ui` record: `len` and `items`, each `{index, item: {name, package, url, icon}}` with the
app's mount point as `url`. fastn takes `icon` from the app package's own FASTN.ftd; fastn-py
gives none.
"""

from __future__ import annotations

from typing import Any

from fastn.processors.context import Invocation


async def process(invocation: Invocation) -> Any:
    apps = invocation.settings.apps
    items = [
        {
            "index": index,
            "item": {"name": app.name, "package": app.package, "url": app.mount_point},
        }
        for index, app in enumerate(apps)
    ]
    return invocation.result({"len": len(items), "items": items})

"""`fastn build`: the package as a static site in `.build/`.

Each document becomes `ROUTE/index.html` (`/about/` → `.build/about/index.html`), static files
are copied, `404.ftd` also becomes `404.html`, and every redirect gets a small page that
forwards the browser (keeping its query string and hash, fastn#886). Processors run once, with
an empty request. What only a server can do (proxying, dynamic URLs) is listed, not built.
"""

from __future__ import annotations

import html
import json
import shutil
import sys
from pathlib import Path
from time import perf_counter
from typing import TextIO

from fastn.ftd.errors import FtdError
from fastn.ftd.page import RequestInfo
from fastn.package.config import Package, load_package
from fastn.package.documents import environment_for
from fastn.package.routes import Router

BUILD_FOLDER = ".build"
NOT_FOUND_DOCUMENT = "404"


def build(
    root: Path,
    base_url: str = "/",
    ignore_failed: bool = False,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Build the package at `root`; the exit status: 1 if a document failed (unless ignored)."""
    try:
        package = load_package(root)
    except FtdError as error:
        print(error, file=err)
        return 1
    for dependency in package.missing_dependencies():
        print(f"warning: dependency {dependency.name} not found in {dependency.folder}", file=err)
    base = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
    target = package.root / BUILD_FOLDER
    if target.is_dir():
        shutil.rmtree(target)
    target.mkdir()
    router = Router(package)

    failures = _build_documents(package, router, target, out, err)
    _copy_static_files(router, target, out)
    _write_redirect_pages(package, target, base, out)
    _list_server_only(package, router, out)
    print(f"Built {package.name} into {target} ({failures} failed)", file=out)
    return 1 if failures and not ignore_failed else 0


def _build_documents(
    package: Package, router: Router, target: Path, out: TextIO, err: TextIO
) -> int:
    environment = environment_for(package)
    documents = list(router.documents())
    print(f"Building {len(documents)} documents of {package.name}", file=out)
    failures = 0
    for doc_id, url in documents:
        started = perf_counter()
        try:
            page = environment.render_sync(doc_id, RequestInfo(path=url))
        except FtdError as error:
            print(error, file=err)
            failures += 1
            continue
        except Exception as error:  # a bug, but the other pages can still be built
            print(f"{doc_id}.ftd: internal error: {error!r}", file=err)
            failures += 1
            continue
        written = [_write(target / url.strip("/") / "index.html", page.body)]
        if doc_id == NOT_FOUND_DOCUMENT:
            written.append(_write(target / "404.html", page.body))
        elapsed = (perf_counter() - started) * 1000
        for file in written:
            print(f"  {url} -> {file.relative_to(target)} ({elapsed:.0f} ms)", file=out)
    return failures


def _copy_static_files(router: Router, target: Path, out: TextIO) -> None:
    files = list(router.static_files())
    for relative in files:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(router.root / relative, destination)
    print(f"Copied {len(files)} static files", file=out)


def _write_redirect_pages(package: Package, target: Path, base: str, out: TextIO) -> None:
    """A page per redirect source: a static host cannot answer 308, but a browser follows these."""
    for redirect in package.redirects:
        destination = redirect.target
        if destination.startswith("/") and not destination.startswith("//"):
            destination = base + destination.lstrip("/")
        file = _write(
            target / redirect.source.strip("/") / "index.html", redirect_page(destination)
        )
        print(f"  {redirect.source} -> {redirect.target} ({file.relative_to(target)})", file=out)


def redirect_page(destination: str) -> str:
    """Forward at once, carrying the visitor's query string and #hash along."""
    attribute = html.escape(destination, quote=True)
    script = json.dumps(destination).replace("</", "<\\/")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Redirecting</title>'
        f'<link rel="canonical" href="{attribute}">'
        f'<meta http-equiv="refresh" content="0; url={attribute}">'
        f"<script>var t={script},s=location.search;"
        "if(s&&t.indexOf('?')>=0)s='&'+s.slice(1);"
        "location.replace(t+s+location.hash)</script>"
        f'</head><body><a href="{attribute}">{html.escape(destination)}</a></body></html>'
    )


def _list_server_only(package: Package, router: Router, out: TextIO) -> None:
    """Say what a static host will not do, so nobody is surprised after deploying."""
    for mapping in package.proxy_mappings:
        print(f"  not built: {mapping.prefix}* is proxied to {mapping.upstream}*", file=out)
    if package.endpoint:
        print(f"  not built: other URLs are proxied to {package.endpoint}", file=out)
    for entry in package.dynamic_urls:
        print(f"  not built: dynamic URL {entry.pattern} ({entry.document})", file=out)


def _write(file: Path, text: str) -> Path:
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    return file

"""The `fastn` command: `serve`, `build`, `render`. Each handler only delegates."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    return arguments.handler(arguments)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fastn", description="ftd pages in front of any backend")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the package in the current folder")
    serve.add_argument("--port", type=int, default=8000, help="first port to try (default 8000)")
    serve.add_argument("--bind", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--connect-timeout", type=float, help="upstream connect timeout, seconds")
    serve.add_argument("--read-timeout", type=float, help="upstream read timeout, seconds")
    serve.add_argument(
        "--preserve-host", action="store_true", help="send the client's Host header upstream"
    )
    serve.add_argument(
        "--trusted-proxies", help="comma-separated proxies whose X-Forwarded-* headers are kept"
    )
    serve.set_defaults(handler=_serve)

    build = commands.add_parser("build", help="write the package as a static site to .build/")
    build.add_argument("--base-url", default="/", help="URL prefix the site is served under")
    build.add_argument(
        "--ignore-failed", action="store_true", help="exit 0 even if some documents failed"
    )
    build.set_defaults(handler=_build)

    render = commands.add_parser("render", help="render one .ftd file to HTML")
    render.add_argument("file", type=Path)
    render.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    render.set_defaults(handler=_render)
    return parser


def _serve(arguments: argparse.Namespace) -> int:
    from fastn.ftd.errors import FtdError
    from fastn.server.serve import serve

    # Proxy settings travel in the environment so every worker process reads the same.
    settings = {
        "FASTN_PROXY_CONNECT_TIMEOUT": arguments.connect_timeout,
        "FASTN_PROXY_READ_TIMEOUT": arguments.read_timeout,
        "FASTN_PROXY_PRESERVE_HOST": "1" if arguments.preserve_host else None,
        "FASTN_TRUSTED_PROXIES": arguments.trusted_proxies,
    }
    os.environ.update({name: str(value) for name, value in settings.items() if value is not None})
    try:
        serve(Path.cwd(), arguments.bind, arguments.port, arguments.workers)
    except FtdError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def _build(arguments: argparse.Namespace) -> int:
    from fastn.build import build

    return build(Path.cwd(), arguments.base_url, arguments.ignore_failed)


def _render(arguments: argparse.Namespace) -> int:
    from fastn.ftd.environment import render_file
    from fastn.ftd.errors import FtdError

    try:
        page = render_file(arguments.file)
    except FtdError as error:
        print(error, file=sys.stderr)
        return 1
    if arguments.output:
        arguments.output.write_text(page, encoding="utf-8")
    else:
        sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())

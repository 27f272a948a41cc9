"""The `fastn` command: `serve`, `build`, `check`, `create-package`, `render`, `nginx-conf`.
Each handler only delegates."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    return arguments.handler(arguments)


# Commands after which the process ends without Python freeing what it made object by object:
# a build holds every document it rendered, and that freeing at exit cost ≈ 0.15 CPU-s on a
# 1,000-page build (a quarter of the command). Nothing of theirs is left for exit handlers:
# workers are joined, the old build's deletion waited for, the output written.
_ENDS_AT_ONCE = {"build"}


def run() -> None:
    """The `fastn` command as a process (its console script): `main`, then the exit."""
    arguments = _parser().parse_args()
    status = arguments.handler(arguments)
    if arguments.command in _ENDS_AT_ONCE:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


def _parser() -> argparse.ArgumentParser:
    from fastn import __version__

    parser = argparse.ArgumentParser(prog="fastn", description="ftd pages in front of any backend")
    parser.add_argument("--version", action="version", version=f"fastn-py {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    verbosity = argparse.ArgumentParser(add_help=False)
    chatter = verbosity.add_mutually_exclusive_group()
    chatter.add_argument("-q", "--quiet", action="store_true", help="say only what went wrong")
    chatter.add_argument("-v", "--verbose", action="store_true", help="say more as it goes")

    serve = commands.add_parser(
        "serve", parents=[verbosity], help="serve the package in the current folder"
    )
    serve.add_argument(
        "--port",
        type=int,
        help="port to listen on; fails if taken (default: 8000, or the next free one above)",
    )
    serve.add_argument(
        "--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--connect-timeout", type=float, help="upstream connect timeout, seconds")
    serve.add_argument("--read-timeout", type=float, help="upstream read timeout, seconds")
    serve.add_argument(
        "--preserve-host", action="store_true", help="send the client's Host header upstream"
    )
    serve.add_argument(
        "--trusted-proxies", help="comma-separated proxies whose X-Forwarded-* headers are kept"
    )
    serve.add_argument(
        "--production",
        action="store_true",
        help="no live reload, plain error pages (also FASTN_ENV=production)",
    )
    serve.add_argument(
        "--ops", action="store_true", help="serve /-/health and Prometheus metrics at /-/metrics"
    )
    serve.add_argument(
        "--front",
        choices=["nginx"],
        default=os.environ.get("FASTN_FRONT") or None,
        help="with --production: nginx in front serves static files and proxies, fastn-py the "
        "pages (also FASTN_FRONT=nginx)",
    )
    serve.set_defaults(handler=_serve)

    front = commands.add_parser(
        "nginx-conf",
        help="print an nginx configuration putting nginx in front of fastn-py (your own nginx)",
    )
    front.add_argument(
        "--fastn",
        required=True,
        metavar="ADDRESS",
        help="where fastn-py listens: HOST:PORT or unix:/PATH",
    )
    front.add_argument("--listen", default="80", help="nginx's listen address (default 80)")
    front.add_argument(
        "--error-pages",
        type=Path,
        metavar="FOLDER",
        help="render the package's 404/502/504 pages into FOLDER for nginx to serve",
    )
    front.set_defaults(handler=_nginx_conf)

    build = commands.add_parser(
        "build", parents=[verbosity], help="write the package as a static site to .build/"
    )
    build.add_argument("--base-url", default="/", help="URL prefix the site is served under")
    build.add_argument(
        "--ignore-failed", action="store_true", help="exit 0 even if some documents failed"
    )
    build.add_argument(
        "--nginx-conf", type=Path, metavar="FILE", help="also write an nginx config serving it"
    )
    build.add_argument(
        "--nginx-listen", default="80", metavar="ADDRESS", help="its listen address (default 80)"
    )
    build.add_argument(
        "--jobs", type=int, metavar="N", help="processes rendering pages (default: CPU cores)"
    )
    build.set_defaults(handler=_build)

    check = commands.add_parser("check", help="report every error in the package's documents")
    check.set_defaults(handler=_check)

    create = commands.add_parser("create-package", help="start a new package")
    create.add_argument("name", help="the package name, e.g. hello or example.com")
    create.add_argument("--path", type=Path, help="folder to create (default: NAME)")
    create.set_defaults(handler=_create_package)

    render = commands.add_parser(
        "render", help="render one .ftd file to HTML (within the package it belongs to)"
    )
    render.add_argument("file", type=Path)
    render.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    render.set_defaults(handler=_render)
    return parser


def _serve(arguments: argparse.Namespace) -> int:
    from fastn.ftd.errors import FtdError
    from fastn.server.app import MODE_VARIABLE, OPS_VARIABLE
    from fastn.server.log import LOG_LEVEL_VARIABLE
    from fastn.server.serve import FrontError, PortTaken, serve

    production = arguments.production or os.environ.get(MODE_VARIABLE) == "production"
    if arguments.front not in (None, "nginx"):  # from FASTN_FRONT, which argparse let through
        print(f"fastn: FASTN_FRONT={arguments.front}: the only front is nginx", file=sys.stderr)
        return 2
    if arguments.workers > 1 and not production:
        print(
            "fastn: --workers needs --production (development mode reloads from one process)",
            file=sys.stderr,
        )
        return 2
    # Settings travel in the environment so every worker process reads the same.
    settings = {
        "FASTN_PROXY_CONNECT_TIMEOUT": arguments.connect_timeout,
        "FASTN_PROXY_READ_TIMEOUT": arguments.read_timeout,
        "FASTN_PROXY_PRESERVE_HOST": "1" if arguments.preserve_host else None,
        "FASTN_TRUSTED_PROXIES": arguments.trusted_proxies,
        MODE_VARIABLE: "production" if production else "development",
        OPS_VARIABLE: "1" if arguments.ops else None,
        LOG_LEVEL_VARIABLE: _verbosity_name(arguments),
    }
    os.environ.update({name: str(value) for name, value in settings.items() if value is not None})
    try:
        serve(Path.cwd(), arguments.bind, arguments.port, arguments.workers, arguments.front)
    except FtdError as error:
        print(error, file=sys.stderr)
        return 1
    except PortTaken as error:
        print(
            f"fastn: {error.strerror} (leave out --port to take the next free one)", file=sys.stderr
        )
        return 1
    except KeyboardInterrupt:  # Ctrl-C: uvicorn shut down gracefully, then raised it again
        return 130
    except FrontError as error:
        print(f"fastn: {error}", file=sys.stderr)
        return 1
    return 0


def _nginx_conf(arguments: argparse.Namespace) -> int:
    from fastn.ftd.errors import FtdError
    from fastn.nginx import FastnBehind, nginx_config
    from fastn.package.config import load_package

    try:
        package = load_package(Path.cwd())
    except FtdError as error:
        print(error, file=sys.stderr)
        return 1
    error_pages = None
    if arguments.error_pages:
        from fastn.front import render_error_pages

        error_pages = render_error_pages(package, arguments.error_pages.resolve())
    fastn = FastnBehind(arguments.fastn, error_pages)
    sys.stdout.write(nginx_config(package, listen=arguments.listen, fastn=fastn))
    return 0


def _build(arguments: argparse.Namespace) -> int:
    from fastn.build import build
    from fastn.progress import NORMAL, QUIET, VERBOSE

    return build(
        Path.cwd(),
        arguments.base_url,
        arguments.ignore_failed,
        verbosity=QUIET if arguments.quiet else VERBOSE if arguments.verbose else NORMAL,
        nginx_conf=arguments.nginx_conf.resolve() if arguments.nginx_conf else None,
        nginx_listen=arguments.nginx_listen,
        jobs=arguments.jobs,
    )


def _verbosity_name(arguments: argparse.Namespace) -> str:
    return "quiet" if arguments.quiet else "verbose" if arguments.verbose else "normal"


def _check(arguments: argparse.Namespace) -> int:
    from fastn.check import check_package

    checked, errors, warnings = check_package(Path.cwd())
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(
            f"fastn check: {_count(len(errors), 'error')} ({_count(checked, 'document')})",
            file=sys.stderr,
        )
        return 1
    print(f"fastn check: {_count(checked, 'document')}, no errors")
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _create_package(arguments: argparse.Namespace) -> int:
    from fastn.scaffold import ScaffoldError, create_package

    folder = arguments.path or Path(arguments.name.rsplit("/", 1)[-1])
    try:
        create_package(arguments.name, folder)
    except ScaffoldError as error:
        print(f"fastn: {error}", file=sys.stderr)
        return 1
    print(f"Created the package {arguments.name} in {folder}/: cd {folder} && fastn serve")
    return 0


def _render(arguments: argparse.Namespace) -> int:
    from fastn.ftd.errors import FtdError
    from fastn.package.documents import render_document_file

    try:
        page = render_document_file(arguments.file)
    except FtdError as error:
        print(error, file=sys.stderr)
        return 1
    if arguments.output:
        arguments.output.write_text(page, encoding="utf-8")
    else:
        sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    run()

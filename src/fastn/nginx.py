"""nginx configurations that route as `fastn serve` does (fastn-server.md §2), in two modes.

- Static (`fastn build --nginx-conf FILE`): pages and static files from `.build/` (`/about`
  served like `/about/`; methods other than GET/HEAD on pages go to the endpoint).
- Dynamic (`fastn serve --front nginx`, `fastn nginx-conf`): nginx in front of fastn-py. The
  package's documents (exact locations from the route table) and dynamic URLs (regex
  locations) go to fastn-py, static files are nginx's (with fastn's refusals, its content
  types, ETag and Range, gzip for text), and whatever nginx is not sure of (`/-/…`, refused
  names, files behind symlinks) goes to fastn-py too, which routes it exactly as alone.
  The 404/502/504 pages are files fastn-py rendered from the package's `404.ftd`, `502.ftd`…

In both: redirects (308), url-mapping proxies, then the endpoint, else the 404 page. The
proxying is as transparent as fastn's: raw path and query, streamed bodies both ways with no
size cap, WebSocket upgrades, `X-Forwarded-*` and `Forwarded` as fastn sets them (a client's
own replaced unless it is in `FASTN_TRUSTED_PROXIES`), the upstream's Host (or the client's
with `FASTN_PROXY_PRESERVE_HOST`), fastn's connect and read timeouts.

The text has `upstream`, `geo` and `map` blocks besides the `server` block, so it is included
at the `http` level (e.g. from `/etc/nginx/sites-enabled/`).
"""

from __future__ import annotations

import functools
import mimetypes
import os
import re
from dataclasses import dataclass
from pathlib import Path

from yarl import URL

from fastn.package.config import Package
from fastn.package.routes import Router
from fastn.server.front_client import CLIENT_HEADER, SCHEME_HEADER
from fastn.server.pages import max_body
from fastn.server.proxy import ProxySettings
from fastn.server.static import content_type

PAGE_METHODS = "GET|HEAD"
# hop-by-hop request headers nginx would pass on (a header named in Connection still
# passes: nginx cannot drop those)
_HOP_BY_HOP = ("Keep-Alive", "TE", "Proxy-Authorization", "Proxy-Connection")
ERROR_STATUSES = (404, 502, 504)  # the pages nginx itself may have to answer with
ERROR_PAGES_PREFIX = "/-/fastn-front/"  # internal location of the pre-rendered error pages
FILE_CACHE_SECONDS = 1  # how long the front's nginx keeps what the file system said
# Names fastn-py never serves as static files (package/routes.py): nginx hands them to it.
_REFUSED_NAMES = r"(\.ftd|\.sqlite[^/]*|\.db|\.db-(wal|journal|shm)|~|\.swp|\.bak|\.orig)$"


@dataclass(frozen=True, slots=True)
class FastnBehind:
    """Dynamic mode: where fastn-py listens (`unix:/path` or `host:port`) and the folder of
    the pre-rendered error pages (`404.html`, `502.html`, `504.html`), if any."""

    address: str
    error_pages: Path | None = None


def nginx_config(
    package: Package,
    build_folder: Path | None = None,
    base: str = "/",
    listen: str = "80",
    settings: ProxySettings | None = None,
    fastn: FastnBehind | None = None,
) -> str:
    """The configuration serving `build_folder` (built for `base`) on `listen`, or, with
    `fastn`, serving the package folder itself with fastn-py behind."""
    return _Writer(package, settings or ProxySettings.from_env()).config(
        build_folder, base, listen, fastn
    )


class _Writer:
    """Collects the upstream blocks the locations need while it writes them."""

    def __init__(self, package: Package, settings: ProxySettings) -> None:
        self.package = package
        self.settings = settings
        self.name = re.sub(r"[^A-Za-z0-9_]", "_", package.name)
        self.variable = f"fastn_{self.name}"  # prefix of the variables the generated maps set
        self.upstreams: dict[str, str] = {}  # scheme://host:port → upstream block name
        self.error_lines: list[str] = []  # repeated in every location that sets its own

    def upstream_block(self, url: URL) -> str:
        origin = f"{url.scheme}://{url.host}:{url.port}"
        if origin not in self.upstreams:
            self.upstreams[origin] = f"fastn_{self.name}_{len(self.upstreams)}"
        return self.upstreams[origin]

    def proxy(self, url: URL, target: str) -> list[str]:
        """`proxy_pass` to an upstream of the package, forwarding as fastn does."""
        settings, variable = self.settings, self.variable
        authority = f"{url.host}:{url.port}" if url.explicit_port else str(url.host)
        lines = [
            f"proxy_pass {url.scheme}://{self.upstream_block(url)}{target};",
            *self.keepalive_lines(),
            f"proxy_set_header Host {'$http_host' if settings.preserve_host else authority};",
            *(f'proxy_set_header {name} "";' for name in _HOP_BY_HOP),
            # the front's own headers, from a client: not for the backend
            f'proxy_set_header {CLIENT_HEADER} "";',
            f'proxy_set_header {SCHEME_HEADER} "";',
            f"proxy_set_header X-Forwarded-For ${variable}_for;",
            f"proxy_set_header X-Forwarded-Proto ${variable}_proto;",
            f"proxy_set_header X-Forwarded-Host ${variable}_host;",
            f'proxy_set_header Forwarded "${{{variable}_chain}}'
            f'for=${variable}_node;proto=$scheme${variable}_forwarded_host";',
            "proxy_redirect off;",
            "proxy_buffering off;",
            *_request_buffering(),
            f"proxy_connect_timeout {_seconds(settings.connect_timeout)};",
            f"proxy_read_timeout {_seconds(settings.read_timeout)};",
            f"proxy_send_timeout {_seconds(settings.read_timeout)};",
        ]
        if url.scheme == "https":
            lines += ["proxy_ssl_server_name on;", f"proxy_ssl_name {url.host};"]
        return lines + self.error_lines

    def keepalive_lines(self) -> list[str]:
        """HTTP/1.1 to the upstream: WebSocket upgrades pass, other requests keep the
        connection alive."""
        return [
            "proxy_http_version 1.1;",
            f"proxy_set_header Connection ${self.variable}_connection;",
            f"proxy_set_header Upgrade ${self.variable}_upgrade;",
        ]

    def fastn_defaults(self) -> list[str]:
        """Server-level proxying to fastn-py, inherited by the locations that do not set their
        own: the request as the client sent it (its own forwarding headers too, judged by
        fastn-py as alone), plus who the client is."""
        return [
            *self.keepalive_lines(),
            "proxy_set_header Host $http_host;",
            f"proxy_set_header {CLIENT_HEADER} $remote_addr;",
            f"proxy_set_header {SCHEME_HEADER} $scheme;",
            "proxy_redirect off;",
            # a page's head and body in one read, not 4 KB at a time: half the system calls
            # per page; pages up to 256 KB stay in memory for a slow client
            "proxy_buffer_size 16k;",
            "proxy_buffers 16 16k;",
            f"proxy_read_timeout {_seconds(self.settings.read_timeout)};",
            f"proxy_send_timeout {_seconds(self.settings.read_timeout)};",
        ]

    def to_fastn(self, body_cap: int | None, buffered: bool) -> list[str]:
        """`proxy_pass` to fastn-py; a page's body is capped and buffered, what fastn-py may
        relay on to the endpoint is streamed, as fastn does."""
        lines = [
            f"proxy_pass http://fastn_{self.name}_py;",
            f"client_max_body_size {body_cap if body_cap is not None else 0};",
        ]
        if not buffered:
            lines += ["proxy_buffering off;", *_request_buffering()]
        return lines + self.error_lines

    def redirects(self, site: str) -> list[tuple[str, list[str]]]:
        locations = []
        for redirect in self.package.redirects:
            target = redirect.target
            if target.startswith("/") and not target.startswith("//"):
                target = site + target.lstrip("/")
            arguments = "" if "?" in target else "$is_args$args"
            for path in _sources(site, redirect.source):
                locations.append((f"= {path}", [f"return 308 {_quoted(target + arguments)};"]))
        return locations

    def redirect_sources(self, site: str) -> set[str]:
        return {
            path for redirect in self.package.redirects for path in _sources(site, redirect.source)
        }

    def mappings(self) -> list[tuple[str, list[str]]]:
        locations = []
        for mapping in self.package.proxy_mappings:
            url = URL(mapping.upstream)
            # Same path on both sides: the request line is passed untouched; otherwise nginx
            # puts the upstream path in place of the prefix (on the normalized path).
            target = "" if url.path == mapping.prefix else url.path
            locations.append((f"^~ {mapping.prefix}", self.proxy(url, target)))
        return locations

    def endpoint(self) -> list[tuple[str, list[str]]]:
        if not self.package.endpoint:
            return []
        url = URL(self.package.endpoint)
        path = url.path.rstrip("/")
        return [("@endpoint", self.proxy(url, f"{path}$request_uri" if path else ""))]

    def static_locations(self, build_folder: Path, site: str) -> list[tuple[str, list[str]]]:
        fallback = "@endpoint" if self.package.endpoint else "=404"
        pages = [
            f"error_page 418 = {fallback};" if self.package.endpoint else "",
            f"if ($request_method !~ ^({PAGE_METHODS})$) {{ return 418; }}"
            if self.package.endpoint
            else "",
            f"alias {build_folder}/;" if site != "/" else "",
            f"try_files $uri $uri/index.html {fallback};",
        ]
        return [(f"^~ {site}" if site != "/" else "/", [line for line in pages if line])]

    def dynamic_locations(self, fastn: FastnBehind) -> list[tuple[str, list[str]]]:
        """Documents and dynamic URLs to fastn-py, files to nginx, the rest to the endpoint."""
        cap = max_body()
        page = self.to_fastn(cap, buffered=True)
        if self.package.endpoint:  # a form posting to a page's URL: the backend's
            page = [
                "error_page 418 = @endpoint;",
                f"if ($request_method !~ ^({PAGE_METHODS})$) {{ return 418; }}",
                *page,
            ]
        router = Router(self.package)
        locations: list[tuple[str, list[str]]] = []
        claimed = {f"= {source}" for source in self.redirect_sources("/")}
        for url, _ in router.documents():
            for path in (url, url.rstrip("/") or "/"):
                if f"= {path}" not in claimed:
                    claimed.add(f"= {path}")
                    locations.append((f"= {path}", page))
        real_root = os.path.realpath(self.package.root)
        for relative in router.static_files():  # nginx follows no symlink: fastn-py serves
            if os.path.realpath(self.package.root / relative) != os.path.join(real_root, relative):
                locations.append((f"= {_quoted('/' + relative)}", page))  # those that stay in
        for pattern in router.dynamic_patterns():
            regex = "^" + re.sub(r"\(\?P<\w+>", "(", pattern) + "$"  # no named groups
            locations.append((f"~ {_quoted(regex)}", self.to_fastn(cap, buffered=True)))
        unsure = self.to_fastn(None, buffered=False)
        locations += [
            ("^~ /-/", unsure),
            ("~ /\\.", unsure),
            (f"~* {_quoted(_REFUSED_NAMES)}", unsure),
        ]
        if fastn.error_pages is not None:
            locations.append(
                (f"^~ {ERROR_PAGES_PREFIX}", ["internal;", f"alias {fastn.error_pages}/;"])
            )
        files = [
            f"error_page 418 = {'@endpoint' if self.package.endpoint else '@fastn'};",
            f"if ($request_method !~ ^({PAGE_METHODS})$) {{ return 418; }}",
            "disable_symlinks on from=$document_root;",
            "try_files $uri @missing;",
            "max_ranges 1;  # several ranges: the whole file, as fastn-py answers",
            "gzip on;",
            "gzip_vary on;",
            f"gzip_types {' '.join(compressible_types())};",
            *self.error_lines,
        ]
        # not a file: a document written since the start is fastn-py's at once, as alone;
        # else the endpoint's, else the 404 page
        missing = [
            "error_page 419 = @fastn;",
            *(
                f"if (-f $document_root${self.variable}_document{name}) {{ return 419; }}"
                for name in (".ftd", "/index.ftd", ".md", "/index.md")
            ),
        ]
        if self.package.endpoint:
            missing += self.endpoint()[0][1]
        elif self.error_lines:
            missing += ["return 404;", *self.error_lines]
        else:
            missing += unsure
        locations.append(("@missing", missing))
        locations.append(("/", files))
        locations.append(("@fastn", unsure))
        return locations

    def config(
        self, build_folder: Path | None, base: str, listen: str, fastn: FastnBehind | None
    ) -> str:
        site = base.rstrip("/") + "/"
        if fastn is not None and fastn.error_pages is not None:
            self.error_lines = [
                f"error_page {status} {ERROR_PAGES_PREFIX}{status}.html;"
                for status in ERROR_STATUSES
                if (fastn.error_pages / f"{status}.html").is_file()
            ]
        locations = self.redirects(site) + self.mappings()
        if fastn is not None:
            locations += self.dynamic_locations(fastn)
            root = self.package.root
        else:
            assert build_folder is not None
            locations += self.static_locations(build_folder, site)
            root = build_folder
        locations += self.endpoint()

        mode = "served by `fastn serve --front nginx`" if fastn else "written by `fastn build`"
        lines = [
            f"# nginx configuration for the fastn package {self.package.name}, {mode}.",
            "# Include it at the http level. Routing as in `fastn serve`: redirects, url-mapping",
            "# proxies, pages and static files, then the endpoint.",
        ]
        if self.upstreams or fastn:  # only a WebSocket upgrade passes (not h2c, say)
            v = self.variable
            lines += [f"map $http_upgrade ${v}_upgrade {{", '    "~*^websocket$" websocket;']
            lines += ['    default "";', "}", f"map ${v}_upgrade ${v}_connection {{"]
            lines += ["    websocket upgrade;", '    default "";', "}"]
        if self.upstreams:
            lines += _forwarding_maps(self.variable, self.settings)
        if fastn is not None:  # `/a/b/` and `/a/b` → `/a/b`: where its document would be
            document = f"{self.variable}_document"
            lines += [
                f"map $uri ${document} {{",
                f'    "~^(?<{document}_path>.*?)/?$" ${document}_path;',
                "}",
            ]
        for origin, block in self.upstreams.items():
            address = origin.split("://", 1)[1]
            lines += [f"upstream {block} {{", f"    server {address};", "    keepalive 64;", "}"]
        if fastn is not None:
            lines += [f"upstream fastn_{self.name}_py {{", f"    server {fastn.address};"]
            lines += ["    keepalive 64;", "}"]
        lines += ["server {", f"    listen {listen};", "    server_name _;"]
        lines += [f"    root {root};", "    client_max_body_size 0;"]
        lines.append("    absolute_redirect off;  # Location as written, like fastn")
        if fastn is not None:
            # what the file system says (files, documents, symlinks) is kept for a second:
            # without it, the checks cost as much as serving the file
            lines += [
                "    open_file_cache max=10000 inactive=30s;",
                f"    open_file_cache_valid {FILE_CACHE_SECONDS}s;",
                "    open_file_cache_errors on;",
            ]
            lines += [f"    {line}" for line in self.fastn_defaults()]
            lines += _content_types()
        elif build_folder is not None and (build_folder / "404.html").is_file():
            lines.append(f"    error_page 404 {site}404.html;")
        if fastn is None:
            for dynamic in self.package.dynamic_urls:
                lines.append(f"    # not served: dynamic URL {dynamic.pattern} needs `fastn serve`")
        for match, body in locations:
            lines.append(f"    location {match} {{")
            lines += [f"        {line}" for line in body]
            lines.append("    }")
        lines.append("}")
        return "\n".join(lines) + "\n"


@functools.cache
def compressible_types() -> list[str]:
    """The media types compressed for the client: text, and JSON, JavaScript, XML, SVG."""
    return sorted(
        {
            kind.split(";")[0]
            for kind in _types_by_extension().values()
            if kind.endswith("charset=utf-8") and kind.split(";")[0] != "text/html"
        }
    )  # text/html is always compressed by nginx's gzip


@functools.cache
def _types_by_extension() -> dict[str, str]:
    """Extension → the Content-Type fastn-py sends for a file with it (the extensions nginx
    can look up: one lower-case word after the last dot)."""
    if not mimetypes.inited:
        mimetypes.init()
    return {
        extension: content_type(Path("file" + extension)).decode()
        for extension in mimetypes.types_map
        if re.fullmatch(r"\.[a-z0-9]+", extension)
    }


def _content_types() -> list[str]:
    """nginx's `types` made fastn-py's, `charset=utf-8` on the same ones."""
    by_type: dict[str, list[str]] = {}
    for extension, kind in _types_by_extension().items():
        by_type.setdefault(kind.split(";")[0], []).append(extension.lstrip("."))
    lines = ["    types_hash_max_size 4096;", "    types_hash_bucket_size 128;", "    types {"]
    lines += [
        f"        {kind} {' '.join(sorted(names))};" for kind, names in sorted(by_type.items())
    ]
    lines += ["    }", "    default_type application/octet-stream;", "    charset utf-8;"]
    lines.append(f"    charset_types {' '.join(compressible_types())};  # and text/html")
    return lines


def _forwarding_maps(variable: str, settings: ProxySettings) -> list[str]:
    """Forwarding headers as fastn sends them (`proxy.forwarded_headers`): a client's own
    X-Forwarded-*/Forwarded are replaced, unless it is one of `FASTN_TRUSTED_PROXIES`, whose
    chain is extended (nginx's `$proxy_add_x_forwarded_for` alone would pass any client's)."""
    v = variable
    token = "~^[-!#$%&'*+.^_`|~0-9A-Za-z]+$"  # RFC 7230 token characters: no quotes needed
    lines = [f"geo ${v}_trusted {{", "    default 0;"]
    lines += [f"    {network} 1;" for network in settings.trusted_proxies]
    lines += ["}"]
    maps = {
        f"${v}_trusted ${v}_for": ["1 $proxy_add_x_forwarded_for;", "default $remote_addr;"],
        f'"${v}_trusted:$http_x_forwarded_proto" ${v}_proto': [
            f'"~^1:(?<{v}_p>.+)$" ${v}_p;',
            "default $scheme;",
        ],
        f'"${v}_trusted:$http_x_forwarded_host" ${v}_host': [
            f'"~^1:(?<{v}_h>.+)$" ${v}_h;',
            "default $http_host;",
        ],
        f'"${v}_trusted:$http_forwarded" ${v}_chain': [
            f'"~^1:(?<{v}_f>.+)$" "${v}_f, ";',
            'default "";',
        ],
        f"$remote_addr ${v}_node": ['"~:" "\\"[$remote_addr]\\"";', "default $remote_addr;"],
        f"$http_host ${v}_forwarded_host": [
            '"" "";',
            f'"{token}" ";host=$http_host";',
            'default ";host=\\"$http_host\\"";',
        ],
    }
    for head, entries in maps.items():
        lines += [f"map {head} {{", *(f"    {entry}" for entry in entries), "}"]
    return lines


def _request_buffering() -> list[str]:
    """Request bodies read whole before the upstream is contacted, as fastn-py's proxy does
    (`FASTN_PROXY_BODY_BUFFER`, 0: streamed; `FASTN_PROXY_BODY_IN_MEMORY` of it in memory,
    `FASTN_PROXY_BODY_TIMEOUT`). nginx buffers a body of any size once it buffers."""
    settings = ProxySettings.from_env()
    if settings.body_buffer == 0:
        return ["proxy_request_buffering off;"]
    return [
        "proxy_request_buffering on;",
        f"client_body_buffer_size {settings.body_in_memory};",
        f"client_body_timeout {_seconds(settings.body_timeout)};",
    ]


def _sources(site: str, source: str) -> list[str]:
    """The paths a redirect answers: `/a/` also answers `/a`, as in fastn."""
    path = site + source.lstrip("/")
    return [path, path.rstrip("/")] if path.endswith("/") and path != site else [path]


def _seconds(value: float) -> str:
    return f"{max(int(value * 1000), 1)}ms"


def _quoted(text: str) -> str:
    """A string argument for nginx: quoted when it has spaces, quotes, semicolons or braces."""
    if re.fullmatch(r"[^\s\"';{}\\]+", text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

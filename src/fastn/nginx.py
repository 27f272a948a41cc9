"""An nginx server block for a built package: `fastn build --nginx-conf FILE`.

nginx then routes as `fastn serve` does (fastn-server.md §2): redirects (308), url-mapping
proxies, pages and static files from `.build/` (`/about` served like `/about/`, methods other
than GET/HEAD on pages go to the endpoint), then the endpoint, else `404.html`. The proxying
is as transparent as fastn's: raw path and query, streamed bodies both ways with no size cap,
WebSocket upgrades, `X-Forwarded-*` and `Forwarded` as fastn sets them (a client's own replaced
unless it is in `FASTN_TRUSTED_PROXIES`), the upstream's Host (or the client's with
`FASTN_PROXY_PRESERVE_HOST`), fastn's connect and read timeouts.

The file has `upstream` and `map` blocks besides the `server` block, so it is included at the
`http` level (e.g. from `/etc/nginx/sites-enabled/`).
"""

from __future__ import annotations

import re
from pathlib import Path

from yarl import URL

from fastn.package.config import Package
from fastn.server.proxy import ProxySettings

PAGE_METHODS = "GET|HEAD"


def nginx_config(
    package: Package,
    build_folder: Path,
    base: str = "/",
    listen: str = "80",
    settings: ProxySettings | None = None,
) -> str:
    """The configuration text for serving `build_folder` (built for `base`) on `listen`."""
    settings = settings or ProxySettings.from_env()
    name = re.sub(r"[^A-Za-z0-9_]", "_", package.name)
    variable = f"fastn_{name}"  # prefix of the variables the generated maps set
    connection = f"${variable}_connection"
    upstreams: dict[str, str] = {}  # scheme://host:port → upstream block name

    def upstream_block(url: URL) -> str:
        origin = f"{url.scheme}://{url.host}:{url.port}"
        if origin not in upstreams:
            upstreams[origin] = f"fastn_{name}_{len(upstreams)}"
        return upstreams[origin]

    def proxy(url: URL, target: str) -> list[str]:
        authority = f"{url.host}:{url.port}" if url.explicit_port else str(url.host)
        lines = [
            f"proxy_pass {url.scheme}://{upstream_block(url)}{target};",
            "proxy_http_version 1.1;",
            f"proxy_set_header Host {'$http_host' if settings.preserve_host else authority};",
            f"proxy_set_header Connection {connection};",
            "proxy_set_header Upgrade $http_upgrade;",
            f"proxy_set_header X-Forwarded-For ${variable}_for;",
            f"proxy_set_header X-Forwarded-Proto ${variable}_proto;",
            f"proxy_set_header X-Forwarded-Host ${variable}_host;",
            f'proxy_set_header Forwarded "${{{variable}_chain}}'
            f'for=${variable}_node;proto=$scheme${variable}_forwarded_host";',
            "proxy_redirect off;",
            "proxy_buffering off;",
            "proxy_request_buffering off;",
            f"proxy_connect_timeout {_seconds(settings.connect_timeout)};",
            f"proxy_read_timeout {_seconds(settings.read_timeout)};",
            f"proxy_send_timeout {_seconds(settings.read_timeout)};",
        ]
        if url.scheme == "https":
            lines += ["proxy_ssl_server_name on;", f"proxy_ssl_name {url.host};"]
        return lines

    site = base.rstrip("/") + "/"
    locations: list[tuple[str, list[str]]] = []
    for redirect in package.redirects:
        target = redirect.target
        if target.startswith("/") and not target.startswith("//"):
            target = site + target.lstrip("/")
        arguments = "" if "?" in target else "$is_args$args"
        source = site + redirect.source.lstrip("/")
        sources = [source]
        if source.endswith("/") and source != site:  # `/a/` also answers `/a`, as in fastn
            sources.append(source.rstrip("/"))
        for path in sources:
            locations.append((f"= {path}", [f"return 308 {_quoted(target + arguments)};"]))
    for mapping in package.proxy_mappings:
        url = URL(mapping.upstream)
        # Same path on both sides: the request line is passed untouched; otherwise nginx puts
        # the upstream path in place of the prefix (on the normalized path).
        target = "" if url.path == mapping.prefix else url.path
        locations.append((f"^~ {mapping.prefix}", proxy(url, target)))

    fallback = "@endpoint" if package.endpoint else "=404"
    pages = [
        f"error_page 418 = {fallback};" if package.endpoint else "",
        f"if ($request_method !~ ^({PAGE_METHODS})$) {{ return 418; }}" if package.endpoint else "",
        f"alias {build_folder}/;" if site != "/" else "",
        f"try_files $uri $uri/index.html {fallback};",
    ]
    locations.append((f"^~ {site}" if site != "/" else "/", [line for line in pages if line]))
    if package.endpoint:
        url = URL(package.endpoint)
        path = url.path.rstrip("/")
        locations.append(("@endpoint", proxy(url, f"{path}$request_uri" if path else "")))

    lines = [
        f"# nginx configuration for the fastn package {package.name}, written by `fastn build`.",
        "# Include it at the http level. Routing as in `fastn serve`: redirects, url-mapping",
        "# proxies, pages and static files of .build/, then the endpoint.",
    ]
    if upstreams:  # WebSocket upgrades pass; other requests keep the upstream connection alive
        lines += [f"map $http_upgrade {connection} {{", "    default upgrade;", '    "" "";', "}"]
        lines += _forwarding_maps(variable, settings)
    for origin, block in upstreams.items():
        address = origin.split("://", 1)[1]
        lines += [f"upstream {block} {{", f"    server {address};", "    keepalive 16;", "}"]
    lines += ["server {", f"    listen {listen};", "    server_name _;"]
    lines += [f"    root {build_folder};", "    client_max_body_size 0;"]
    lines.append("    absolute_redirect off;  # Location as written, like fastn")
    if (build_folder / "404.html").is_file():
        lines.append(f"    error_page 404 {site}404.html;")
    for dynamic in package.dynamic_urls:
        lines.append(f"    # not served: dynamic URL {dynamic.pattern} needs `fastn serve`")
    for match, body in locations:
        lines.append(f"    location {match} {{")
        lines += [f"        {line}" for line in body]
        lines.append("    }")
    lines.append("}")
    return "\n".join(lines) + "\n"


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


def _seconds(value: float) -> str:
    return f"{max(int(value * 1000), 1)}ms"


def _quoted(text: str) -> str:
    """A string argument for nginx: quoted when it has spaces, quotes or semicolons."""
    if re.fullmatch(r"[^\s\"';{}\\]+", text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

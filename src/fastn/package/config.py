"""Reading a package: `FASTN.ftd` into a :class:`Package`, and `.env` into the environment.

`FASTN.ftd` is an ftd document, so it is read with the p1 parser; only the `fastn.*` sections
that matter for serving are interpreted here (package, url-mappings, redirects, auto-import,
dependency, dynamic-urls). Everything is checked when the package loads, so a bad line is
reported as `FASTN.ftd:LINE: message` at start-up instead of failing a request later.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from fastn.ftd.errors import FtdError
from fastn.package.sitemap import Sitemap, SitemapError, parse_sitemap

PACKAGE_FILE = "FASTN.ftd"
ENV_FILE = ".env"
ACCEPT_TRACKED_ENV = "FASTN_DANGER_ACCEPT_CHECKED_IN_ENV"
PACKAGES_FOLDER = ".packages"


class PackageError(FtdError):
    """The package cannot be loaded: a bad `FASTN.ftd` line, or a refused `.env`."""

    def __str__(self) -> str:
        place = self.path or self.doc_id
        return f"{place}:{self.line}: {self.message}" if self.line else f"{place}: {self.message}"


@dataclass(frozen=True, slots=True)
class Redirect:
    """`/from/ -> /to/`: a permanent redirect (from `fastn.redirects` or a url-mapping)."""

    source: str
    target: str


@dataclass(frozen=True, slots=True)
class ProxyMapping:
    """`/api/* -> http+proxy://host/api/*`: paths under `prefix` go to `upstream` + the tail."""

    prefix: str
    upstream: str


@dataclass(frozen=True, slots=True)
class AutoImport:
    """`-- fastn.auto-import: pkg/module as alias`, imported into every document."""

    text: str  # the caption as written, e.g. "hello/components as c"
    exposing: tuple[str, ...] = ()
    line: int = 0  # in FASTN.ftd


@dataclass(frozen=True, slots=True)
class Font:
    """`-- fastn.font: NAME` with its `woff2:`, `weight:`… headers as written."""

    name: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Dependency:
    """`-- fastn.dependency: name [as alias]`, resolved from a local folder (never downloaded).

    `provided-via: MODULE` (on the root's dependencies): where any package auto-imports this
    one, it gets the root's MODULE instead. `required-as: ALIAS`: the root must provide this
    dependency (`provided-via`), and the declaring package's modules import what the root
    provides as ALIAS.
    """

    name: str
    alias: str | None
    provided_via: str | None
    folder: Path
    required_as: str | None = None
    line: int = 0  # in FASTN.ftd


@dataclass(frozen=True, slots=True)
class DynamicUrl:
    """A `fastn.dynamic-urls` entry: a URL pattern served by one document with extra data."""

    title: str
    pattern: str  # e.g. "/user/<string:username>/"
    document: str  # e.g. "profile.ftd"
    data: dict[str, str] = field(
        default_factory=dict
    )  # extra keys, the highest-priority request data
    line: int = 0


@dataclass(frozen=True, slots=True)
class App:
    """`-- fastn.app: NAME` with `package:` and `mount-point:` (listed by `pr.fastn-apps`)."""

    name: str
    package: str
    mount_point: str


@dataclass(frozen=True, slots=True)
class Package:
    """What `FASTN.ftd` says about the package, with environment variables already applied."""

    root: Path
    name: str
    endpoint: str | None = None
    favicon: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # every fastn.package header as written
    redirects: tuple[Redirect, ...] = ()
    proxy_mappings: tuple[ProxyMapping, ...] = ()
    auto_imports: tuple[AutoImport, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    dynamic_urls: tuple[DynamicUrl, ...] = ()
    sitemap: Sitemap | None = None  # `fastn.sitemap`, for the sitemap processors
    apps: tuple[App, ...] = ()
    fonts: tuple[Font, ...] = ()

    @property
    def system(self) -> str | None:
        """`system: NAME`: the package's documents import it as NAME without writing it."""
        return self.headers.get("system") or None

    def missing_dependencies(self) -> list[Dependency]:
        """Declared dependencies with no local folder: documents importing them will fail
        (one the package provides itself, `provided-via`, needs none)."""
        return [
            dependency
            for dependency in self.dependencies
            if not dependency.folder.is_dir() and not dependency.provided_via
        ]


def load_package(root: Path) -> Package:
    """Load `.env` then `FASTN.ftd` from the package folder `root`."""
    root = root.resolve()
    load_env_file(root)
    package_file = root / PACKAGE_FILE
    if not package_file.is_file():
        raise PackageError(
            f"missing: {root} is not a fastn package (`fastn create-package NAME` starts one)",
            doc_id="FASTN",
            path=str(package_file),
        )
    return parse_package(package_file.read_text(encoding="utf-8"), root, path=str(package_file))


def parse_package(text: str, root: Path, path: str = PACKAGE_FILE) -> Package:
    """Interpret the `fastn.*` sections of a `FASTN.ftd` text."""
    from fastn.ftd import p1

    reader = _PackageReader(root, path)
    try:
        sections = [section for section in p1.parse(text, "FASTN") if not section.is_commented]
    except FtdError as error:
        raise PackageError(error.message, doc_id="FASTN", line=error.line, path=path) from error
    # Bodies here are lists of URLs: a leading `/` is the URL, not ftd's "commented out" mark.
    for section, uncommented in zip(sections, p1.remove_comments(sections), strict=True):
        reader.read(dataclasses.replace(uncommented, body=section.body))
    return reader.package()


class _PackageReader:
    """Collects the sections of `FASTN.ftd` one by one, checking each as it comes."""

    def __init__(self, root: Path, path: str) -> None:
        self.root = root
        self.path = path
        self.package_section: object | None = None
        self.redirects: list[Redirect] = []
        self.proxy_mappings: list[ProxyMapping] = []
        self.auto_imports: list[AutoImport] = []
        self.dependencies: list[Dependency] = []
        self.dynamic_urls: list[DynamicUrl] = []
        self.sitemap: Sitemap | None = None
        self.apps: list[App] = []
        self.fonts: list[Font] = []

    def error(self, message: str, line: int) -> PackageError:
        return PackageError(message, doc_id="FASTN", line=line, path=self.path)

    def read(self, section) -> None:
        readers = {
            "fastn.package": self.read_package,
            "fastn.url-mappings": self.read_url_mappings,
            "fastn.redirects": self.read_redirects,
            "fastn.auto-import": self.read_auto_import,
            "fastn.dependency": self.read_dependency,
            "fastn.dynamic-urls": self.read_dynamic_urls,
            "fastn.sitemap": self.read_sitemap,
            "fastn.app": self.read_app,
            "fastn.font": self.read_font,
        }
        reader = readers.get(section.name)
        if reader is not None:
            reader(section)

    def read_package(self, section) -> None:
        if self.package_section is not None:
            raise self.error("more than one fastn.package section", section.line_number)
        if not _caption(section):
            raise self.error("fastn.package needs the package name as caption", section.line_number)
        self.package_section = section

    def read_url_mappings(self, section) -> None:
        for line_number, line in _body_lines(section):
            source, arrow, target = line.partition("->")
            if not arrow:
                raise self.error(f"url-mapping {line!r} is not `FROM -> TO`", line_number)
            source, target = source.strip(), self.substitute_env(target.strip(), line_number)
            if "+proxy://" in target:
                self.proxy_mappings.append(self.proxy_mapping(source, target, line_number))
            else:
                self.add_redirect(source, target, line_number)

    def proxy_mapping(self, source: str, target: str, line_number: int) -> ProxyMapping:
        if not (source.endswith("*") and target.endswith("*")):
            raise self.error(
                f"proxy mapping {source} -> {target}: both sides must end with *", line_number
            )
        scheme, _, rest = target[:-1].partition("+proxy://")
        if scheme not in ("http", "https"):
            raise self.error(f"proxy mapping to {scheme}+proxy:// is not supported", line_number)
        return ProxyMapping(prefix=source[:-1], upstream=f"{scheme}://{rest}")

    def read_redirects(self, section) -> None:
        for line_number, line in _body_lines(section):
            source, arrow, target = line.partition("->")
            if not arrow:  # the deprecated `/from/: /to/` form
                source, colon, target = line.partition(": ")
                if not colon:
                    raise self.error(f"redirect {line!r} is not `FROM -> TO`", line_number)
            self.add_redirect(source.strip(), target.strip(), line_number)

    def add_redirect(self, source: str, target: str, line_number: int) -> None:
        if not source or not target:
            raise self.error("a redirect needs both FROM and TO", line_number)
        if source == target:
            raise self.error(f"redirect {source} -> {target} points to itself", line_number)
        for existing in self.redirects:
            if existing.source == source:
                raise self.error(f"{source} already redirects to {existing.target}", line_number)
        self.redirects.append(Redirect(source, target))

    def read_auto_import(self, section) -> None:
        text = _caption(section)
        if not text:
            raise self.error("fastn.auto-import needs the module as caption", section.line_number)
        exposing = _header(section, "exposing")
        names = (
            tuple(name.strip() for name in exposing.split(",") if name.strip()) if exposing else ()
        )
        self.auto_imports.append(AutoImport(text, names, section.line_number))

    def read_font(self, section) -> None:
        name = _caption(section)
        if not name:
            raise self.error("fastn.font needs the font name as caption", section.line_number)
        headers = tuple(
            (header.key, header.value.strip())
            for header in section.headers
            if _is_text_header(header)
        )
        self.fonts.append(Font(name, headers))

    def read_dependency(self, section) -> None:
        caption = _caption(section)
        if not caption:
            raise self.error(
                "fastn.dependency needs the package name as caption", section.line_number
            )
        name, _, alias = (part.strip() for part in caption.partition(" as "))
        alias = alias or _header(section, "as")
        self.dependencies.append(
            Dependency(
                name,
                alias or None,
                _header(section, "provided-via") or None,
                self.root / PACKAGES_FOLDER / name,
                _header(section, "required-as") or None,
                section.line_number,
            )
        )

    def read_dynamic_urls(self, section) -> None:
        """`# Title` lines, each followed by indented `key: value` lines (url, document, data)."""
        entries: list[tuple[str, int, dict[str, str]]] = []
        for line_number, line in _body_lines(section):
            if line.startswith("#"):
                entries.append((line.lstrip("#").strip(), line_number, {}))
                continue
            key, colon, value = line.partition(":")
            if not entries or not colon:
                raise self.error(
                    f"dynamic-urls line {line!r} is not `# Title` or `key: value`", line_number
                )
            entries[-1][2][key.strip()] = value.strip()
        for title, line_number, data in entries:
            pattern, document = data.pop("url", None), data.pop("document", None)
            if not pattern or not document:
                raise self.error(f"dynamic url {title!r} needs `url:` and `document:`", line_number)
            for kind in _SEGMENT_KIND.findall(pattern):
                if kind not in SEGMENT_KINDS:
                    raise self.error(
                        f"unknown URL segment type <{kind}:…> in {pattern}", line_number
                    )
            self.dynamic_urls.append(DynamicUrl(title, pattern, document, data, line_number))

    def read_sitemap(self, section) -> None:
        if self.sitemap is not None:
            raise self.error("more than one fastn.sitemap section", section.line_number)
        body = section.body
        try:
            self.sitemap = parse_sitemap(
                body.value if body else "", body.line_number if body else section.line_number
            )
        except SitemapError as error:
            raise self.error(error.message, error.line) from None

    def read_app(self, section) -> None:
        name = _caption(section)
        package, mount_point = _header(section, "package"), _header(section, "mount-point")
        if not (name and package and mount_point):
            raise self.error(
                "fastn.app needs a name (caption), `package:` and `mount-point:`",
                section.line_number,
            )
        self.apps.append(App(name, package, mount_point))

    def substitute_env(self, text: str, line_number: int) -> str:
        """Replace `${env.NAME or "default"}` with the variable (or the default)."""

        def value(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            found = os.environ.get(name, default)
            if found is None:
                raise self.error(
                    f"environment variable {name} is not set and has no default", line_number
                )
            return found

        return _ENV_REFERENCE.sub(value, text)

    def package(self) -> Package:
        section = self.package_section
        if section is None:
            raise self.error("no `-- fastn.package: NAME` section", 1)
        headers = {
            header.key: str(header.value) for header in section.headers if _is_text_header(header)
        }
        endpoint = headers.get("endpoint")
        if endpoint:
            endpoint = self.substitute_env(endpoint, section.line_number)
        return Package(
            root=self.root,
            name=_caption(section),
            endpoint=endpoint or None,
            favicon=headers.get("favicon") or None,
            headers=headers,
            redirects=tuple(self.redirects),
            proxy_mappings=tuple(self.proxy_mappings),
            auto_imports=tuple(self.auto_imports),
            dependencies=tuple(self.dependencies),
            dynamic_urls=tuple(self.dynamic_urls),
            sitemap=self.sitemap,
            apps=tuple(self.apps),
            fonts=tuple(self.fonts),
        )


SEGMENT_KINDS = ("string", "integer", "decimal")
_SEGMENT_KIND = re.compile(r"<(\w+):")
_ENV_REFERENCE = re.compile(r'\$\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*(?:or\s+"([^"]*)"\s*)?\}')


def _caption(section) -> str:
    caption = section.caption
    return str(caption.value).strip() if caption is not None and caption.value is not None else ""


def _is_text_header(header) -> bool:
    return isinstance(getattr(header, "value", None), str)


def _header(section, key: str) -> str | None:
    for header in section.headers:
        if header.key == key and _is_text_header(header):
            return header.value.strip()
    return None


def _body_lines(section) -> list[tuple[int, str]]:
    """Non-empty, non-comment lines of the section body with their line numbers."""
    body = section.body
    if body is None:
        return []
    lines = []
    for offset, line in enumerate(body.value.splitlines()):
        stripped = line.strip()
        if stripped and not stripped.startswith(";"):
            lines.append((body.line_number + offset, stripped))
    return lines


def load_env_file(root: Path) -> None:
    """Load `root/.env` into `os.environ` (variables already set win), refusing a tracked one.

    A `.env` holds secrets; one committed to git has leaked them, so fastn refuses to start
    unless `FASTN_DANGER_ACCEPT_CHECKED_IN_ENV` says the risk is known.
    """
    env_file = root / ENV_FILE
    if not env_file.is_file():
        return
    if _tracked_by_git(env_file) and not os.environ.get(ACCEPT_TRACKED_ENV):
        raise PackageError(
            f"{ENV_FILE} is tracked by git, so its secrets are in the repository; remove it from "
            f"git (git rm --cached {ENV_FILE}) or set {ACCEPT_TRACKED_ENV}=1 to use it anyway",
            doc_id=ENV_FILE,
            path=str(env_file),
        )
    for name, value in parse_env(env_file.read_text(encoding="utf-8")).items():
        os.environ.setdefault(name, value)


def _tracked_by_git(path: Path) -> bool:
    import subprocess  # here: only a package with a .env needs it (≈ 1.5 ms at start-up)

    try:
        result = subprocess.run(
            ["git", "ls-files", "--error-unmatch", path.name],
            cwd=path.parent,
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False  # no git: nothing can be checked in
    return result.returncode == 0


_ESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")


def parse_env(text: str) -> dict[str, str]:
    """`NAME=value` lines (`export` allowed, `#` comments, single or double quotes)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = _ENV_LINE.match(line)
        if match is None:
            continue
        name, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            quote, value = value[0], value[1:-1]
            if quote == '"':
                value = _ESCAPE.sub(lambda escape: _ESCAPES.get(escape[1], escape[1]), value)
        else:
            value = value.split(" #", 1)[0].rstrip()
        values[name] = value
    return values

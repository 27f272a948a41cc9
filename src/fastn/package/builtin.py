"""The modules fastn makes itself: `fastn` (the root package as ftd values, and the record
types of fastn's processors) and a package's `assets` (its fonts)."""

from __future__ import annotations

from collections.abc import Iterable

from fastn import __version__
from fastn.package.config import Font, Package

# The record types packages use from `fastn` (the sitemap's and fastn-apps' values).
_FASTN_TYPES = """\
-- record package-data:
caption name:
optional string zip:
optional string favicon:
optional string language:
optional string endpoint:

-- record toc-item:
optional string title:
optional string url:
optional string description:
optional string path:
optional string number:
optional ftd.image-src font-icon:
optional string img-src:
boolean bury: false
optional string document:
boolean is-heading: false
boolean is-disabled: false
boolean is-active: false
boolean is-open: false
toc-item list children:

-- record sitemap-data:
toc-item list sections:
toc-item list subsections:
toc-item list toc:
optional toc-item current-section:
optional toc-item current-subsection:
optional toc-item current-page:

-- record key-value-data:
string key:
string value:

-- record toc-compat-data:
string id:
optional string title:
key-value-data list extra-data:
boolean is-active:
optional string nav-title:
toc-compat-data list children:
boolean skip:
string list readers:
string list writers:

-- record subsection-compat-data:
optional string id:
optional string title:
boolean visible:
key-value-data list extra-data:
boolean is-active:
optional string nav-title:
toc-compat-data list toc:
boolean skip:
string list readers:
string list writers:

-- record section-compat-data:
string id:
optional string title:
key-value-data list extra-data:
boolean is-active:
optional string nav-title:
subsection-compat-data list subsections:
string list readers:
string list writers:

-- record sitemap-compat-data:
section-compat-data list sections:
string list readers:
string list writers:

-- record app-ui-item:
caption name:
string package:
string url:
optional ftd.image-src icon:

-- record app-indexy-item:
integer index:
app-ui-item item:

-- record app-ui:
integer len:
app-indexy-item list items:

-- record build-info:
string cli-version:
string cli-git-commit-hash:
string cli-created-on:
string build-created-on:
string ftd-version:

-- optional string theme-color:
-- optional string section-title:
-- optional string subsection-title:
-- optional string toc-title:
-- optional string language:
-- optional string number-of-documents:
-- optional string last-modified-on:
-- optional string package-zip:
-- boolean is-translation-package: false
-- boolean has-translations: false
"""


# `fastn/processors` (imported as `pr`): processors are Python; their record types are the
# `fastn` module's, so a `pr.toc-item` value fits where a `fastn.toc-item` is expected.
_PROCESSOR_TYPES = (
    "toc-item",
    "sitemap-data",
    "key-value-data",
    "toc-compat-data",
    "subsection-compat-data",
    "section-compat-data",
    "sitemap-compat-data",
    "app-ui-item",
    "app-indexy-item",
    "app-ui",
)
PROCESSORS_MODULE = f"-- import: fastn\nexport: {', '.join(_PROCESSOR_TYPES)}\n"


def fastn_module(root: Package) -> str:
    """`-- import: fastn`: the types above and the root package's name (in every package's
    modules: fastn describes the package being built)."""
    name = _value(root.name)
    lines = [_FASTN_TYPES, f"-- package-data package: {name}"]
    for key in ("zip", "favicon"):
        if root.headers.get(key):
            lines.append(f"{key}: {_value(root.headers[key])}")
    lines += [
        "",
        "-- build-info info:",
        f"cli-version: {__version__}",
        "cli-git-commit-hash: ",
        "cli-created-on: ",
        "build-created-on: ",
        "ftd-version: ",
        "",
        f"-- string package-title: {name}",
        f"-- string package-name: {name}",
        f"-- string home-url: https://{name}",
        "",
    ]
    return "\n".join(lines)


def assets_module(package: Package) -> str:
    """`-- import: PACKAGE/assets`: `fonts.NAME` is the CSS family of each `fastn.font`."""
    names = list(dict.fromkeys(font.name for font in package.fonts))
    if not names:
        return ""
    lines = ["-- record font:"]
    lines += [f"string {name}:" for name in names]
    lines += ["", "-- font fonts:"]
    lines += [f"{name}: {font_family(package, name)}" for name in names]
    return "\n".join(lines) + "\n"


def font_family(package: Package, font: str) -> str:
    """The CSS family fastn gives a package's font: `PACKAGE-NAME`, `.`/`/`/`?`/`_` as `-`."""
    return "".join("-" if char in "./?_" else char for char in f"{package.name}-{font}")


# `fastn.font` headers → @font-face descriptors, in the order fastn writes them
_FONT_DESCRIPTORS = (
    ("unicode-range", "unicode-range"),
    ("display", "font-display"),
    ("style", "font-style"),
    ("weight", "font-weight"),
    ("stretch", "font-stretch"),
)
# `fastn.font` headers naming a font file, each with its CSS format
_FONT_FILES = ("woff", "woff2", "truetype", "opentype", "embedded-opentype", "svg")
_NOT_IN_CSS = frozenset("<>{};")  # a value with one of these would end the rule or the style


def font_faces(packages: Iterable[Package]) -> str:
    """The `@font-face` rules of every `fastn.font` of `packages` (fastn puts those of the
    package and of all its dependencies on every page), one per line group."""
    rules = (font_face(package, font) for package in packages for font in package.fonts)
    return "\n".join(rule for rule in rules if rule)


def font_face(package: Package, font: Font) -> str:
    """One `@font-face` rule: its file URLs under `-/PACKAGE/`, its family `font_family`."""
    headers = {key: value for key, value in font.headers if value and not _NOT_IN_CSS & set(value)}
    lines = [f"{css}: {headers[key]}" for key, css in _FONT_DESCRIPTORS if key in headers]
    sources = [
        f"url({_font_url(package, headers[key])}) format('{key}')"
        for key in _FONT_FILES
        if key in headers
    ]
    if sources:
        lines.append("src: " + ", ".join(sources))
    if not lines:
        return ""
    lines.append(f"font-family: {font_family(package, font.name)}")
    return "@font-face { " + ";\n".join(lines) + " }"


def _font_url(package: Package, url: str) -> str:
    """A font file's URL: as written when absolute, `/-/…` for one written `-/…` (fastn's
    pages resolve that against their `<base>`; fastn-py's URLs start at the root, which
    `fastn build --base-url` moves), else under `/-/PACKAGE/`."""
    if url.startswith(("http://", "https://", "//")):
        return url
    url = url.lstrip("/")
    return "/" + (url if url.startswith("-/") else f"-/{package.name}/{url}")


def _value(text: str) -> str:
    """A header value as ftd reads it back unchanged (a leading `$` would be a reference)."""
    return "\\" + text if text.startswith("$") else text

"""The built-in module ``ftd``: its records, or-types, functions, variables and kernels.

Written as ftd source (so it goes through the same parser and interpreter as user documents),
assembled here from compact tables. Kernel components are component definitions without a
body; the renderer knows how to draw them. Default colour scheme and typography values are
data tables (spec Appendix B) turned into values directly.
"""

from __future__ import annotations

from functools import cache

from fastn.ftd.values import OrValue, RecordValue

# ---------------------------------------------------------------- or-types
# name -> variants; a variant is "NAME" (constant whose value is its name),
# "NAME=VALUE" (constant with another value) or "KIND NAME" (regular, with a payload).
_POSITIONS = [
    "left",
    "center",
    "right",
    "left-top",
    "left-center",
    "left-bottom",
    "center-top",
    "center-center",
    "center-bottom",
    "right-top",
    "right-center",
    "right-bottom",
]
_LENGTH_UNITS = ["percent", "vh", "vw", "vmin", "vmax", "dvh", "lvh", "svh", "em", "rem"]

OR_TYPES: dict[str, list[str]] = {
    "backdrop-filter": [
        *(
            f"ftd.length {n}"
            for n in [
                "blur",
                "brightness",
                "contrast",
                "grayscale",
                "invert",
                "opacity",
                "sepia",
                "saturate",
            ]
        ),
        "ftd.backdrop-multi multi",
    ],
    "linear-gradient-directions": [
        "decimal angle",
        "decimal turn",
        *(
            f"{n}=to {n.replace('-', ' ')}"
            for n in [
                "left",
                "right",
                "top",
                "bottom",
                "top-left",
                "bottom-left",
                "top-right",
                "bottom-right",
            ]
        ),
    ],
    "background": [
        "ftd.color solid",
        "ftd.background-image image",
        "ftd.linear-gradient linear-gradient",
    ],
    "background-repeat": ["repeat", "repeat-x", "repeat-y", "no-repeat", "space", "round"],
    "background-size": ["auto", "cover", "contain", "record length"],
    "background-position": [*_POSITIONS, "record length"],
    "align": [
        f"{n}=ftd#align.{n}"
        for n in [
            "top-left",
            "top-center",
            "top-right",
            "left",
            "center",
            "right",
            "bottom-left",
            "bottom-center",
            "bottom-right",
        ]
    ],
    "spacing": ["ftd.length fixed", "space-between", "space-evenly", "space-around"],
    "image-fit": ["none", "cover", "contain", "fill", "scale-down"],
    "image-fetch-priority": ["auto", "low", "high"],
    "anchor": ["string id", "parent=absolute", "window=fixed"],
    "overflow": ["scroll", "visible", "hidden", "auto"],
    "resize": ["horizontal", "vertical", "both"],
    "cursor": [
        "default",
        "none",
        "context-menu",
        "help",
        "pointer",
        "progress",
        "wait",
        "cell",
        "crosshair",
        "text",
        "vertical-text",
        "alias",
        "copy",
        "move",
        "no-drop",
        "not-allowed",
        "grab",
        "grabbing",
        "e-resize",
        "n-resize",
        "ne-resize",
        "nw-resize",
        "s-resize",
        "se-resize",
        "sw-resize",
        "w-resize",
        "ew-resize",
        "ns-resize",
        "nesw-resize",
        "nwse-resize",
        "col-resize",
        "row-resize",
        "all-scroll",
        "zoom-in",
        "zoom-out",
    ],
    "align-self": ["start", "center", "end"],
    "text-align": ["start", "center", "end", "justify"],
    "link-rel": ["no-follow", "sponsored", "ugc"],
    "resizing": [
        "hug-content=ftd#resizing.hug-content",
        "auto=ftd#resizing.auto",
        "fill-container=ftd#resizing.fill-container",
        "ftd.length fixed",
    ],
    "white-space": ["normal", "nowrap", "pre", "pre-wrap", "pre-line", "break-spaces"],
    "display": ["block", "inline", "inline-block"],
    "length": [
        "integer px",
        *(f"decimal {u}" for u in _LENGTH_UNITS[:1]),
        "string calc",
        *(f"decimal {u}" for u in _LENGTH_UNITS[1:]),
        "ftd.responsive-length responsive",
    ],
    "font-size": ["integer px", "decimal em", "decimal rem"],
    "region": ["h1", "h2", "h3", "h4", "h5", "h6"],
    "text-input-type": [
        *["text", "email", "password", "url"],
        "datetime=datetime-local",
        *["date", "time", "month", "week", "color", "file"],
    ],
    "loading": ["eager", "lazy"],
    "border-style": ["dashed", "dotted", "double", "groove", "inset", "outset", "ridge", "solid"],
    "text-style": [
        "underline",
        "strike",
        "italic",
        "heavy",
        "extra-bold",
        "bold",
        "semi-bold",
        "medium",
        "regular",
        "light",
        "extra-light",
        "hairline",
    ],
    "text-transform": ["none", "capitalize", "uppercase", "lowercase", "initial", "inherit"],
    "device-data": ["mobile", "desktop"],
    "mask-size": ["ftd.length fixed", "auto", "cover", "contain"],
    "mask-repeat": ["repeat", "repeat-x", "repeat-y", "no-repeat", "space", "round"],
    "mask-position": [*_POSITIONS, "record length"],
    "mask": ["ftd.mask-image image", "ftd.mask-multi multi"],
    "http-method": ["GET", "POST"],
    "http-redirect": ["follow", "manual", "error"],
}


def _or_type_source(name: str, variants: list[str]) -> str:
    lines = [f"-- or-type {name}:"]
    for variant in variants:
        if variant == "record length":
            lines += ["-- record length:", "ftd.length x:", "ftd.length y:", ""]
        elif " " in variant.split("=")[0]:
            lines.append(f"-- {variant}:")
        else:
            key, _, value = variant.partition("=")
            lines.append(f"-- constant string {key}: {value or key}")
    lines.append(f"-- end: {name}")
    return "\n".join(lines)


# ----------------------------------------------------------------- records
RECORDS = """
-- record color:
caption string light:
string dark: $color.light

-- record image-src:
caption string light:
string dark: $image-src.light

-- record video-src:
caption string light:
string dark: $video-src.light

-- record raw-image-src:
caption string src:

-- record responsive-length:
caption ftd.length desktop:
ftd.length mobile: $responsive-length.desktop

-- record length-pair:
ftd.length x:
ftd.length y:

-- record shadow:
ftd.length x-offset: $ftd.zero-length
ftd.length y-offset: $ftd.zero-length
ftd.length blur: $ftd.zero-length
ftd.length spread: $ftd.zero-length
ftd.color color: $ftd.shadow-color
boolean inset: false

-- record backdrop-multi:
optional ftd.length blur:
optional ftd.length brightness:
optional ftd.length contrast:
optional ftd.length grayscale:
optional ftd.length invert:
optional ftd.length opacity:
optional ftd.length sepia:
optional ftd.length saturate:

-- record background-image:
caption ftd.image-src src:
optional ftd.background-repeat repeat:
optional ftd.background-size size:
optional ftd.background-position position:

-- record linear-gradient-color:
caption ftd.color color:
optional ftd.length start:
optional ftd.length end:
optional ftd.length stop-position:

-- record linear-gradient:
ftd.linear-gradient-directions direction: bottom
ftd.linear-gradient-color list colors:

-- record type:
optional ftd.font-size size:
optional ftd.font-size line-height:
optional ftd.font-size letter-spacing:
optional integer weight:
string list font-family:

-- record responsive-type:
caption ftd.type desktop:
ftd.type mobile: $responsive-type.desktop

-- record breakpoint-width-data:
caption integer mobile:

-- record mask-image:
optional caption ftd.image-src src:
optional ftd.linear-gradient linear-gradient:
optional ftd.color color:

-- record mask-multi:
ftd.mask-image image:
optional ftd.mask-size size:
optional ftd.mask-size size-x:
optional ftd.mask-size size-y:
optional ftd.mask-repeat repeat:
optional ftd.mask-position position:
"""

_COLOR_RECORDS = {
    "background-colors": "base step-1 step-2 overlay code",
    "cta-colors": "base hover pressed disabled focused border border-disabled text text-disabled",
    "pst": "primary secondary tertiary",
    "btb": "base text border",
    "custom-colors": "one two three four five six seven eight nine ten",
}
_SCHEME_FIELDS = [
    ("ftd.background-colors", "background"),
    *(
        ("ftd.color", n)
        for n in ["border", "border-strong", "text", "text-strong", "shadow", "scrim"]
    ),
    *(
        ("ftd.cta-colors", n)
        for n in ["cta-primary", "cta-secondary", "cta-tertiary", "cta-danger"]
    ),
    ("ftd.pst", "accent"),
    *(("ftd.btb", n) for n in ["error", "success", "info", "warning"]),
    ("ftd.custom-colors", "custom"),
]
TYPE_ROLES = [
    "heading-large",
    "heading-medium",
    "heading-small",
    "heading-hero",
    "heading-tiny",
    "copy-small",
    "copy-regular",
    "copy-large",
    "fine-print",
    "blockquote",
    "source-code",
    "button-small",
    "button-medium",
    "button-large",
    "link",
    "label-large",
    "label-small",
]


def _record_source(name: str, fields: list[tuple[str, str]]) -> str:
    return "\n".join([f"-- record {name}:", *(f"{kind} {field}:" for kind, field in fields)])


def _form_field_record(kind: str, default: str) -> str:
    return (
        f"-- record {kind}-field:\ncaption string name:\n{kind} value: {default}\n"
        "optional string error:"
    )


# -------------------------------------------------------------- components
COMMON_ARGS = """
optional decimal opacity:
optional ftd.shadow shadow:
optional boolean sticky:
ftd.link-rel list rel:
optional string download:
optional string id:
optional ftd.border-style border-style:
optional ftd.border-style border-style-left:
optional ftd.border-style border-style-right:
optional ftd.border-style border-style-top:
optional ftd.border-style border-style-bottom:
optional ftd.border-style border-style-vertical:
optional ftd.border-style border-style-horizontal:
optional integer z-index:
optional ftd.white-space white-space:
optional ftd.text-transform text-transform:
optional ftd.region region:
optional ftd.length left:
optional ftd.length right:
optional ftd.length top:
optional ftd.length bottom:
optional ftd.anchor anchor:
optional ftd.responsive-type role:
optional ftd.cursor cursor:
string list classes:
string list js:
string list css:
optional boolean open-in-new-tab:
optional ftd.resize resize:
optional ftd.overflow overflow:
optional ftd.overflow overflow-x:
optional ftd.overflow overflow-y:
optional ftd.align-self align-self:
optional ftd.background background:
optional ftd.color border-color:
optional ftd.color color:
optional ftd.resizing max-width:
optional ftd.resizing min-width:
optional ftd.resizing min-height:
optional ftd.resizing max-height:
optional ftd.resizing width:
optional ftd.resizing height:
optional ftd.length padding:
optional ftd.length padding-vertical:
optional ftd.length padding-horizontal:
optional ftd.length padding-left:
optional ftd.length padding-right:
optional ftd.length padding-top:
optional ftd.length padding-bottom:
optional ftd.length margin:
optional ftd.length margin-vertical:
optional ftd.length margin-horizontal:
optional ftd.length margin-left:
optional ftd.length margin-right:
optional ftd.length margin-top:
optional ftd.length margin-bottom:
optional ftd.length border-width:
optional ftd.length border-bottom-width:
optional ftd.color border-bottom-color:
optional ftd.length border-top-width:
optional ftd.color border-top-color:
optional ftd.length border-left-width:
optional ftd.color border-left-color:
optional ftd.length border-right-width:
optional ftd.color border-right-color:
optional ftd.length border-radius:
optional ftd.length border-top-left-radius:
optional ftd.length border-top-right-radius:
optional ftd.length border-bottom-left-radius:
optional ftd.length border-bottom-right-radius:
optional string link:
optional boolean selectable:
optional ftd.mask mask:
"""
TEXT_ARGS = """
optional ftd.display display:
optional ftd.text-align text-align:
optional integer line-clamp:
optional ftd.length text-indent:
optional ftd.text-style list style:
optional ftd.color link-color:
optional ftd.shadow text-shadow:
"""
CONTAINER_ARGS = """
optional boolean wrap:
optional ftd.align align-content:
optional ftd.spacing spacing:
optional ftd.backdrop-filter backdrop-filter:
"""
ROOT_ARGS = """
children children:
optional ftd.color-scheme colors:
optional ftd.type-data types:
"""

KERNELS: dict[str, str] = {
    "text": COMMON_ARGS + TEXT_ARGS + "caption or body string text:",
    "integer": COMMON_ARGS + TEXT_ARGS + "caption or body integer value:\noptional string format:",
    "decimal": COMMON_ARGS + TEXT_ARGS + "caption or body decimal value:\noptional string format:",
    "boolean": COMMON_ARGS + TEXT_ARGS + "caption or body boolean value:\noptional string format:",
    "column": ROOT_ARGS + CONTAINER_ARGS + COMMON_ARGS,
    "row": ROOT_ARGS + CONTAINER_ARGS + COMMON_ARGS,
    "container": ROOT_ARGS + COMMON_ARGS + "optional ftd.display display:",
    "desktop": ROOT_ARGS,
    "mobile": ROOT_ARGS,
    "image": COMMON_ARGS
    + "caption ftd.image-src src:\noptional ftd.image-fit fit:\noptional string alt:\n"
    "optional ftd.image-fetch-priority fetch-priority:",
    "video": COMMON_ARGS
    + "caption ftd.video-src src:\noptional ftd.image-fit fit:\noptional boolean controls:\n"
    "optional boolean loop:\noptional boolean autoplay:\noptional boolean muted:\n"
    "optional ftd.image-src poster:",
    "audio": COMMON_ARGS + "string src:\noptional boolean controls:\noptional boolean loop:\n"
    "optional boolean autoplay:\noptional boolean muted:",
    "iframe": COMMON_ARGS
    + "caption optional string src:\noptional string youtube:\nbody optional string srcdoc:\n"
    "optional ftd.loading loading:",
    "code": COMMON_ARGS
    + TEXT_ARGS
    + "caption or body string text:\noptional string lang:\noptional string theme:\n"
    "boolean show-line-number: false",
    "text-input": COMMON_ARGS
    + TEXT_ARGS
    + "optional string placeholder:\noptional string value:\noptional string default-value:\n"
    "optional boolean multiline:\noptional boolean enabled:\noptional integer max-length:\n"
    "optional ftd.text-input-type type:\noptional boolean autofocus:",
    "checkbox": COMMON_ARGS + "optional boolean checked:\noptional boolean enabled:",
    "rive": COMMON_ARGS + "caption string id:\nstring src:\noptional integer canvas-width:\n"
    "optional integer canvas-height:\nstring list state-machine:\nboolean autoplay: true\n"
    "optional string artboard:",
    "document": "optional ftd.raw-image-src favicon:\n"
    "optional ftd.breakpoint-width-data breakpoint:\n"
    "optional string facebook-domain-verification:\n"
    "caption or body optional string title:\n"
    "optional string og-title: $document.title\n"
    "optional string twitter-title: $document.title\n"
    "optional string description:\n"
    "optional string og-description: $document.description\n"
    "optional string twitter-description: $document.description\n"
    "optional ftd.raw-image-src og-image:\n"
    "optional ftd.raw-image-src twitter-image: $document.og-image\n"
    "optional ftd.color theme-color:\n" + ROOT_ARGS,
    "json": "kw-args data:",
    "response": "caption or body template response:\nstring content-type: text/html\n"
    "integer status-code: 200\nkw-args data:",
    "permanent-redirect": "caption or body string url:",
    "temporary-redirect": "caption or body string url:",
    # `-- ftd.redirect: /` leaves no caption (a value starting with `/` is commented out)
    "redirect": "optional caption or body string url:\ninteger code: 308",
}


# ---------------------------------------------------------------- functions
def _rive_functions() -> str:
    """The functions that drive a Rive animation's state machine or timelines (`rive`: the
    `ftd.rive`'s id); the browser runtime does the work."""
    out = []
    for name, kind in (
        ("set-rive-boolean", "boolean"),
        ("toggle-rive-boolean", None),
        ("set-rive-integer", "integer"),
        ("fire-rive", None),
        ("play-rive", None),
        ("pause-rive", None),
        ("toggle-play-rive", None),
    ):
        params, headers = ("rive, input", "string rive:\nstring input:\n")
        if kind:
            params, headers = params + ", value", headers + f"{kind} value:\n"
        out.append(
            f"\n-- void {name}({params}):\n{headers}\nftd.{name.replace('-', '_')}({params})\n"
        )
    return "".join(out)


FUNCTIONS = (
    """
-- void toggle(a):
boolean $a:

a = !a

-- void increment(a):
integer $a:

a = a + 1

-- void increment-by(a, v):
integer $a:
integer v:

a = a + v

-- void decrement(a):
integer $a:

a = a - 1

-- void decrement-by(a, v):
integer $a:
integer v:

a = a - v

-- void set-bool(a, v):
boolean $a:
boolean v:

a = v

-- void set-boolean(a, v):
boolean $a:
boolean v:

a = v

-- void set-string(a, v):
string $a:
string v:

a = v

-- void set-integer(a, v):
integer $a:
integer v:

a = v

-- void enable-dark-mode():

enable_dark_mode()

-- void enable-light-mode():

enable_light_mode()

-- void enable-system-mode():

enable_system_mode()

-- void copy-to-clipboard(a):
string a:

ftd.copy_to_clipboard(a)

-- string clean-code(a, lang):
string a:
string lang:

a

-- void set-current-language(lang):
string lang:

ftd.set_current_language(lang)
"""
    + _rive_functions()
    + "".join(
        f"""
-- ftd.{kind}-field {kind}-field-with-default(name, default):
string name:
{kind} default:

ftd.field_with_default_js(name, default)
"""
        for kind in ("integer", "decimal", "boolean", "string")
    )
)

VARIABLES = """
-- boolean $dark-mode: false
-- boolean $system-dark-mode: false
-- boolean $follow-system-dark-mode: true
-- string nbsp: &nbsp;
-- string non-breaking-space: &nbsp;
-- string $font-display: sans-serif
-- string $font-copy: sans-serif
-- string $font-code: sans-serif
-- ftd.breakpoint-width-data $breakpoint-width: 768
-- ftd.device-data $device: mobile
-- ftd.length.px zero-length: 0
-- ftd.color shadow-color: black
dark: white
"""


def _args(text: str) -> str:
    """Argument lines without the blank lines that would start a body."""
    return "\n".join(line for line in text.splitlines() if line.strip())


@cache
def ftd_source() -> str:
    """The whole ``ftd`` module as ftd source."""
    parts = [RECORDS]
    parts += [
        _record_source(name, [("ftd.color", f) for f in fields.split()])
        for name, fields in _COLOR_RECORDS.items()
    ]
    parts.append(_record_source("color-scheme", _SCHEME_FIELDS))
    parts.append(_record_source("type-data", [("ftd.responsive-type", r) for r in TYPE_ROLES]))
    parts += [
        _form_field_record(kind, default)
        for kind, default in (("integer", "0"), ("decimal", "0.0"), ("boolean", "false"))
    ]
    parts.append(
        "-- record string-field:\ncaption string name:\nstring value:\noptional string error:"
    )
    parts += [_or_type_source(name, variants) for name, variants in OR_TYPES.items()]
    parts += [
        f"-- component {name}:\n{_args(args)}\n-- end: {name}" for name, args in KERNELS.items()
    ]
    parts += [FUNCTIONS, VARIABLES]
    return "\n\n".join(p.strip("\n") for p in parts) + "\n"


# ------------------------------------------------------- default values
DEFAULT_COLORS: dict[str, tuple[str, str]] = {
    "background.base": ("#e7e7e4", "#18181b"),
    "background.step-1": ("#f3f3f3", "#141414"),
    "background.step-2": ("#c9cece", "#585656"),
    "background.overlay": ("rgba(0, 0, 0, 0.8)", "rgba(0, 0, 0, 0.8)"),
    "background.code": ("#F5F5F5", "#21222C"),
    "border": ("#434547", "#434547"),
    "border-strong": ("#919192", "#919192"),
    "text": ("#584b42", "#a8a29e"),
    "text-strong": ("#141414", "#ffffff"),
    "shadow": ("#007f9b", "#007f9b"),
    "scrim": ("#007f9b", "#007f9b"),
    "cta-primary.base": ("#2dd4bf", "#2dd4bf"),
    "cta-primary.hover": ("#2c9f90", "#2c9f90"),
    "cta-primary.pressed": ("#2cc9b5", "#2cc9b5"),
    "cta-primary.disabled": ("rgba(44, 201, 181, 0.1)", "rgba(44, 201, 181, 0.1)"),
    "cta-primary.focused": ("#2cbfac", "#2cbfac"),
    "cta-primary.border": ("#2b8074", "#2b8074"),
    "cta-primary.text": ("#feffff", "#feffff"),
    "cta-primary.border-disabled": ("#65b693", "#65b693"),
    "cta-primary.text-disabled": ("#65b693", "#65b693"),
    "cta-secondary.base": ("#4fb2df", "#4fb2df"),
    "cta-secondary.hover": ("#40afe1", "#40afe1"),
    "cta-secondary.pressed": ("#4fb2df", "#4fb2df"),
    "cta-secondary.disabled": ("rgba(79, 178, 223, 0.1)", "rgba(79, 178, 223, 0.1)"),
    "cta-secondary.focused": ("#4fb1df", "#4fb1df"),
    "cta-secondary.border": ("#209fdb", "#209fdb"),
    "cta-secondary.text": ("#584b42", "#ffffff"),
    "cta-secondary.border-disabled": ("#65b693", "#65b693"),
    "cta-secondary.text-disabled": ("#65b693", "#65b693"),
    "cta-tertiary.base": ("#556375", "#556375"),
    "cta-tertiary.hover": ("#c7cbd1", "#c7cbd1"),
    "cta-tertiary.pressed": ("#3b4047", "#3b4047"),
    "cta-tertiary.disabled": ("rgba(85, 99, 117, 0.1)", "rgba(85, 99, 117, 0.1)"),
    "cta-tertiary.focused": ("#e0e2e6", "#e0e2e6"),
    "cta-tertiary.border": ("#e2e4e7", "#e2e4e7"),
    "cta-tertiary.text": ("#ffffff", "#ffffff"),
    "cta-tertiary.border-disabled": ("#65b693", "#65b693"),
    "cta-tertiary.text-disabled": ("#65b693", "#65b693"),
    **{
        f"cta-danger.{f}": ("#1C1B1F", "#1C1B1F")
        for f in ["base", "hover", "pressed", "disabled", "focused", "border", "text"]
    },
    "cta-danger.border-disabled": ("#feffff", "#feffff"),
    "cta-danger.text-disabled": ("#feffff", "#feffff"),
    "accent.primary": ("#2dd4bf", "#2dd4bf"),
    "accent.secondary": ("#4fb2df", "#4fb2df"),
    "accent.tertiary": ("#c5cbd7", "#c5cbd7"),
    "error.base": ("#f5bdbb", "#311b1f"),
    "error.text": ("#c62a21", "#c62a21"),
    "error.border": ("#df2b2b", "#df2b2b"),
    "success.base": ("#e3f0c4", "#405508ad"),
    "success.text": ("#467b28", "#479f16"),
    "success.border": ("#3d741f", "#3d741f"),
    "info.base": ("#c4edfd", "#15223a"),
    "info.text": ("#205694", "#1f6feb"),
    "info.border": ("#205694", "#205694"),
    "warning.base": ("#fbefba", "#544607a3"),
    "warning.text": ("#966220", "#d07f19"),
    "warning.border": ("#966220", "#966220"),
    "custom.one": ("#ed753a", "#ed753a"),
    "custom.two": ("#f3db5f", "#f3db5f"),
    "custom.three": ("#8fdcf8", "#8fdcf8"),
    "custom.four": ("#7a65c7", "#7a65c7"),
    "custom.five": ("#eb57be", "#eb57be"),
    "custom.six": ("#ef8dd6", "#ef8dd6"),
    "custom.seven": ("#7564be", "#7564be"),
    "custom.eight": ("#d554b3", "#d554b3"),
    "custom.nine": ("#ec8943", "#ec8943"),
    "custom.ten": ("#da7a4a", "#da7a4a"),
}

# role -> (desktop size, line-height), (mobile size, line-height); weight is 400 everywhere
DEFAULT_TYPES: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "heading-hero": ((80, 104), (48, 64)),
    "heading-large": ((50, 65), (36, 54)),
    "heading-medium": ((38, 57), (26, 40)),
    "heading-small": ((24, 31), (22, 29)),
    "heading-tiny": ((20, 26), (18, 24)),
    "copy-large": ((22, 34), (18, 28)),
    "copy-regular": ((18, 30), (16, 24)),
    "copy-small": ((14, 24), (12, 16)),
    "fine-print": ((12, 16), (12, 16)),
    "blockquote": ((16, 21), (16, 21)),
    "source-code": ((18, 30), (16, 21)),
    "label-large": ((14, 19), (14, 19)),
    "label-small": ((12, 16), (12, 16)),
    "button-large": ((18, 24), (18, 24)),
    "button-medium": ((16, 21), (16, 21)),
    "button-small": ((14, 19), (14, 19)),
    "link": ((14, 19), (14, 19)),
}

_COLOR_RECORD_OF_GROUP = {
    "background": "background-colors",
    "accent": "pst",
    "custom": "custom-colors",
    **{g: "cta-colors" for g in ("cta-primary", "cta-secondary", "cta-tertiary", "cta-danger")},
    **{g: "btb" for g in ("error", "success", "info", "warning")},
}


def color(light: str, dark: str | None = None) -> RecordValue:
    return RecordValue("ftd#color", {"light": light, "dark": light if dark is None else dark})


@cache
def default_colors() -> RecordValue:
    scheme = RecordValue("ftd#color-scheme")
    for path, (light, dark) in DEFAULT_COLORS.items():
        group, _, field = path.partition(".")
        if field:
            record = scheme.setdefault(group, RecordValue("ftd#" + _COLOR_RECORD_OF_GROUP[group]))
            record[field] = color(light, dark)
        else:
            scheme[group] = color(light, dark)
    return scheme


def _font_type(size: int, line_height: int) -> RecordValue:
    return RecordValue(
        "ftd#type",
        {
            "size": OrValue("ftd#font-size", "px", size),
            "line-height": OrValue("ftd#font-size", "px", line_height),
            "letter-spacing": None,
            "weight": 400,
            "font-family": [],
        },
    )


@cache
def default_types() -> RecordValue:
    return RecordValue(
        "ftd#type-data",
        {
            role: RecordValue(
                "ftd#responsive-type",
                {"desktop": _font_type(*desktop), "mobile": _font_type(*mobile)},
            )
            for role, (desktop, mobile) in DEFAULT_TYPES.items()
        },
    )

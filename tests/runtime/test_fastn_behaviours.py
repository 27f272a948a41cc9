"""What fastn's own browser runtime does and fastn-py's now does too (fastn serve + Chromium):
list items that are variables, web components reading their arguments, the built-ins."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from runtime_support import FASTN_FTD, Tab

# `-- string: $first`: the item is $first itself, in both directions, until it is removed
SHARED_ITEMS = """
-- string $first: hello

-- string list $people:
-- string: $first
-- string: world
-- end: $people

-- ftd.text: rename
id: rename
$on-click$: $ftd.set-string($a = $first, v = Bob)

-- ftd.text: insert
id: insert
$on-click$: $insert($a = $people, v = Ann)

-- ftd.text: drop
id: drop
$on-click$: $drop($a = $people)

-- ftd.text: $first
id: first

-- person: $p
for: p in $people

-- component person:
caption $name:

-- ftd.text: $person.name
classes: person
$on-click$: $ftd.set-string($a = $person.name, v = Eve)

-- end: person

-- void insert(a, v):
string list $a:
string v:

ftd.insert_at(a, 0, v)

-- void drop(a):
string list $a:

ftd.delete_at(a, 1)
"""

TALLY_JS = """
class TallyBox extends HTMLElement {
  constructor() {
    super();
    const data = window.ftd.component_data(this);
    const shadow = this.attachShadow({ mode: "open" });
    const shown = document.createElement("span");
    shown.id = "shown";
    const show = () => {
      shown.textContent = `${data.label.get()}: ${data.count.get()} [${data.items.get()}]`;
    };
    show();
    data.count.on_change(show);
    data.items.on_change(show);
    data.label.on_change(show);
    const button = document.createElement("button");
    button.id = "more";
    button.textContent = "more";
    button.onclick = () => {
      data.count.set(data.count.get() + 1);
      data.items.push("x" + data.count.get());
    };
    shadow.append(shown, button);
  }
}
customElements.define("tally-box", TallyBox);
"""

WEB_COMPONENT = """
-- integer $count: 1
-- string $title: Tally
-- string list $items:
-- string: a
-- end: $items

-- ftd.integer: $count
id: count
$on-click$: $ftd.increment($a = $count)

-- ftd.text: rename
id: rename
$on-click$: $ftd.set-string($a = $title, v = Renamed)

-- ftd.text: $item
for: item in $items
classes: item

-- tally-box:
label: $title
$count: $count
$items: $items

-- web-component tally-box:
string label:
integer $count:
string list $items:
js: /tally.js

-- end: tally-box
"""


RIVE = """
-- string $idle: Start Idle

-- ftd.text: $idle
id: idle

-- ftd.rive:
id: car
src: /car.riv
state-machine: drive
artboard: Jeep
$on-mouse-enter$: $ftd.set-rive-boolean(rive = car, input = go, value = true)
$on-mouse-leave$: $ftd.toggle-rive-boolean(rive = car, input = go)
$on-rive-play[idle]$: $ftd.set-string($a = $idle, v = Playing Idle)
$on-rive-pause[idle]$: $ftd.set-string($a = $idle, v = Pausing Idle)

-- ftd.text: toggle idle
id: toggle
$on-click$: $ftd.toggle-play-rive(rive = car, input = idle)

-- ftd.text: level
id: level
$on-click$: $ftd.set-rive-integer(rive = car, input = level, value = 50)

-- ftd.text: honk
id: honk
$on-click$: $ftd.fire-rive(rive = car, input = honk)

-- ftd.text: play wipers
id: play
$on-click$: $ftd.play-rive(rive = car, input = wipers)

-- ftd.text: pause wipers
id: pause
$on-click$: $ftd.pause-rive(rive = car, input = wipers)
"""

# Rive's library, as far as the page uses it (the real one is not fetched in tests)
RIVE_LIBRARY = """
window.rive = { Rive: class {
  constructor(options) {
    this.options = options;
    this.stateMachineNames = options.stateMachines;
    this.playingAnimationNames = [];
    this.fired = [];
    this.inputs = ["go", "level", "honk"].map(name => ({
      name, value: 0, fire: () => this.fired.push(name) }));
    window.riveCar = this;
    setTimeout(() => options.onLoad(), 0);
  }
  resizeDrawingSurfaceToCanvas() { this.resized = true; }
  stateMachineInputs(machine) { return machine === "drive" ? this.inputs : []; }
  play(name) { this.playingAnimationNames.push(name); this.options.onPlay({ data: [name] }); }
  pause(name) {
    this.playingAnimationNames = this.playingAnimationNames.filter(n => n !== name);
    this.options.onPause({ data: [name] });
  }
} };
"""

# fastn's list functions take arguments they do not use; a module argument's record field
LIST_AND_MODULE = """
-- integer list $counters: 1, 2, 3

-- ftd.text: pop
id: pop
$on-click$: $pop-integer($a = $counters, v = 1)

-- ftd.integer: $c
for: c in $counters
classes: counter

-- header:

-- component header:
module m: account

-- ftd.column:

-- ftd.boolean: $header.m.user.is-logged-in
id: logged-in
color if { header.m.user.is-logged-in }: green

-- ftd.text: log in
id: log-in
if: { !header.m.user.is-logged-in }
$on-click$: $header.m.log-in($s = $header.m.user)

-- end: ftd.column

-- end: header

-- void pop-integer(a):
integer list $a:

ftd.pop(a)
"""

ACCOUNT = """
-- record status:
boolean is-logged-in:

-- status $user:
is-logged-in: false

-- void log-in(s):
status $s:

s.is-logged-in = true
"""

# Placed against an element (anchor) and linked images, drawn by the server and the runtime
PLACED = """
-- boolean $shown: false

-- ftd.text: show
id: show
$on-click$: $ftd.toggle($a = $shown)

-- ftd.column:
id: frame
margin.px: 40
padding.px: 20
border-width.px: 2
border-style: solid
width.fixed.px: 300

-- ftd.column:
padding.px: 10

-- ftd.text: by id
id: by-id
anchor.id: frame
top.px: 0
left.px: 0

-- ftd.text: later by id
id: later
if: { shown }
anchor.id: frame
top.px: 30
left.px: 0

-- end: ftd.column

-- end: ftd.column

-- ftd.image:
src: /picture.svg
link: /somewhere/
id: image

-- ftd.image:
if: { shown }
src: /picture.svg
link: /elsewhere/
id: later-image
"""

PICTURE = b'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"></svg>'


@pytest.fixture(scope="module")
def server(package_folder: Callable[..., Path], start_fastn: Callable) -> str:
    files: dict[str, str | bytes] = {
        "shared.ftd": SHARED_ITEMS,
        "web.ftd": WEB_COMPONENT,
        "tally.js": TALLY_JS,
        "rive.ftd": RIVE,
        "lists.ftd": LIST_AND_MODULE,
        "account.ftd": ACCOUNT,
        "placed.ftd": PLACED,
        "picture.svg": PICTURE,
    }
    return start_fastn(package_folder(FASTN_FTD, files)).url


def test_a_list_item_written_as_a_variable_is_that_variable(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/shared/").page

    def people() -> list[str]:
        return page.eval_on_selector_all(".person", "items => items.map(i => i.innerText)")

    assert people() == ["hello", "world"]
    page.click("#rename")  # the variable changes: so does the item
    assert people() == ["Bob", "world"]
    page.click("#insert")  # the item moves to index 1 and stays the variable
    page.click("#rename")
    assert people() == ["Ann", "Bob", "world"]
    page.locator(".person").nth(1).click()  # the item changes: so does the variable
    assert tab.text("#first") == "Eve"
    page.click("#drop")  # removed: the variable goes its own way
    page.click("#rename")
    assert (people(), tab.text("#first")) == (["Ann", "world"], "Bob")


def test_a_web_component_reads_and_writes_its_arguments(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/web/").page
    # loaded as a module, after the runtime that gives it its data
    assert page.locator('script[type="module"][src="/tally.js"]').count() == 1
    shown = page.locator("tally-box #shown")
    assert shown.inner_text() == "Tally: 1 [a]"
    page.click("#count")  # the page changes the component's mutable argument
    assert shown.inner_text() == "Tally: 2 [a]"
    page.click("#rename")  # an argument given `$title` follows it
    assert shown.inner_text() == "Renamed: 2 [a]"
    page.locator("tally-box #more").click()  # the component writes: the page follows
    assert tab.text("#count") == "3"
    assert page.eval_on_selector_all(".item", "e => e.map(i => i.innerText)") == ["a", "x3"]
    assert shown.inner_text() == "Renamed: 3 [a,x3]"


def test_the_rive_functions_drive_the_animation(tab: Tab, server: str) -> None:
    tab.page.add_init_script(RIVE_LIBRARY)
    page = tab.open(f"{server}/rive/").page
    assert page.locator('script[src="https://unpkg.com/@rive-app/canvas@1.0.98"]').count() == 1
    page.wait_for_function("window.riveCar && window.riveCar.resized")
    options = page.evaluate(
        "(({src, canvas, autoplay, stateMachines, artboard}) =>"
        " [src, canvas.id, autoplay, stateMachines, artboard])(window.riveCar.options)"
    )
    assert options == ["/car.riv", "car", True, ["drive"], "Jeep"]

    def inputs() -> list:
        return page.evaluate("window.riveCar.inputs.map(i => i.value)")

    page.hover("#car")
    assert inputs() == [True, 0, 0]
    page.hover("#idle")  # mouse leave: toggled back
    page.click("#level")
    page.click("#honk")
    assert (inputs(), page.evaluate("window.riveCar.fired")) == ([False, 50, 0], ["honk"])
    page.click("#toggle")  # plays the timeline; Rive reports it: the page's handler runs
    assert tab.text("#idle") == "Playing Idle"
    page.click("#toggle")
    assert tab.text("#idle") == "Pausing Idle"
    page.click("#play")
    assert page.evaluate("window.riveCar.playingAnimationNames") == ["wipers"]
    page.click("#pause")
    assert page.evaluate("window.riveCar.playingAnimationNames") == []


def test_list_functions_and_module_argument_fields(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/lists/").page
    page.click("#pop")  # `v = 1` is an argument pop-integer does not take: fastn ignores it
    assert page.eval_on_selector_all(".counter", "e => e.map(i => i.innerText)") == ["1", "2"]
    assert tab.text("#logged-in") == "false"
    page.click("#log-in")  # a record field of a module's variable, through `header.m`
    assert tab.text("#logged-in") == "true"
    assert page.locator("#log-in").count() == 0


def test_anchored_elements_and_linked_images_are_placed_as_in_fastn(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/placed/").page

    def box(selector: str) -> tuple[float, float]:
        found = page.locator(selector).bounding_box()
        assert found is not None, selector
        return found["x"], found["y"]

    frame_x, frame_y = box("#frame")
    # top/left count from the inside of the element it is anchored to (its border is 2 px)
    assert box("#by-id") == (frame_x + 2, frame_y + 2)
    page.click("#show")  # drawn by the runtime
    assert box("#later") == (frame_x + 2, frame_y + 32)
    # a linked image is an image inside a link, both on the server's page and the runtime's
    for image, href in (("#image", "/somewhere/"), ("#later-image", "/elsewhere/")):
        assert page.eval_on_selector(image, "i => i.parentElement.getAttribute('href')") == href

"""Mutable state in the browser: events, built-in and user functions, conditions, loops,
mutable component arguments, inputs, keys, local storage (fastn serve + Chromium)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from runtime_support import FASTN_FTD, Tab

COUNTER = """
-- integer $count: 0

-- ftd.integer: $count
id: count
$on-click$: $ftd.increment($a = $count)

-- ftd.text: plus five
id: plus-five
$on-click$: $ftd.increment-by($a = $count, v = 5)

-- ftd.text: reset
id: reset
$on-click$: $ftd.set-integer($a = $count, v = 0)

-- ftd.text: double
id: double
$on-click$: $double()

-- ftd.text: big
id: big
if: { count > 5 }

-- ftd.text: $label(n = $count)
id: label
color: black
color if { count % 2 == 1 }: red

-- ftd.text: $amount()
id: amount

-- string label(n):
integer n:

"count is " + n

-- string amount():

if(count > 5, "many", "few")

-- void double():

count = count * 2
"""

TODOS = """
-- string list $names:
-- string: first
-- string: second
-- end: $names

-- record task:
caption title:
boolean done: false

-- task list $tasks:
-- task: write
-- task: test
-- end: $tasks

-- string $draft: third

-- ftd.text-input:
id: draft
value: $draft
$on-input$: $ftd.set-string($a = $draft, v = $VALUE)

-- ftd.text: $draft
id: echo

-- ftd.text: add
id: add
$on-click$: $add($names = $names, name = $draft)

-- ftd.text: insert first
id: insert
$on-click$: $insert-first($names = $names, name = $draft)

-- ftd.text: clear
id: clear
$on-click$: $clear($names = $names)

-- ftd.text: nothing left
id: empty
if: { len(names) == 0 }

-- ftd.column:
id: names

-- row: $n
index: $LOOP.COUNTER
for: $n in $names

-- end: ftd.column

-- ftd.column:
id: tasks

-- task-row: $t
$done: $t.done
for: $t in $tasks

-- end: ftd.column

-- component row:
caption name:
integer index:
boolean $open: false

-- ftd.row:
spacing.fixed.px: 4

-- ftd.integer: $row.index

-- ftd.text: $row.name

-- ftd.text: open
$on-click$: $ftd.toggle($a = $row.open)

-- ftd.text: opened
if: { row.open }

-- ftd.text: delete
$on-click$: $delete($names = $names, i = $row.index)

-- end: ftd.row

-- end: row

-- component task-row:
caption task t:
boolean $done:

-- ftd.row:

-- ftd.checkbox:
checked: $task-row.done
$on-change$: $ftd.set-bool($a = $task-row.done, v = $CHECKED)

-- ftd.text: $task-row.t.title
color if { task-row.done }: green

-- end: ftd.row

-- end: task-row

-- void add(names, name):
string list $names:
string name:

ftd.append(names, name)

-- void insert-first(names, name):
string list $names:
string name:

ftd.insert_at(names, 0, name)

-- void delete(names, i):
string list $names:
integer i:

ftd.delete_at(names, i)

-- void clear(names):
string list $names:

ftd.clear(names)
"""

EVENTS = """
-- boolean $hover: false
-- boolean $outside: false
-- boolean $focused: false
-- string $changed: nothing
-- integer $keys: 0
-- integer $sequence: 0
-- string $stored: nothing

-- ftd.text: hover me
id: hover
$on-mouse-enter$: $ftd.set-bool($a = $hover, v = true)
$on-mouse-leave$: $ftd.set-bool($a = $hover, v = false)

-- ftd.text: hovering
id: hovering
if: { hover }

-- ftd.text: the box
id: box
$on-click-outside$: $ftd.toggle($a = $outside)

-- ftd.boolean: $outside
id: outside

-- ftd.text-input:
id: field
$on-focus$: $ftd.set-bool($a = $focused, v = true)
$on-blur$: $ftd.set-bool($a = $focused, v = false)
$on-change$: $ftd.set-string($a = $changed, v = $VALUE)

-- ftd.boolean: $focused
id: focused

-- ftd.text: $changed
id: changed

-- ftd.integer: $keys
id: keys
$on-global-key[ctrl-k]$: $ftd.increment($a = $keys)

-- ftd.integer: $sequence
id: sequence
$on-global-key-seq[g-h]$: $ftd.increment($a = $sequence)

-- ftd.text: save
id: save
$on-click$: $save(v = kept)

-- ftd.text: load
id: load
$on-click$: $load($into = $stored)

-- ftd.text: forget
id: forget
$on-click$: $forget()

-- ftd.text: $stored
id: stored

-- ftd.text: copy
id: copy
$on-click$: $ftd.copy-to-clipboard(a = copied text)

-- void save(v):
string v:

ftd.local_storage.set("my-key", v)

-- void load(into):
string $into:

into = ftd.local_storage.get("my-key");
into ||= "missing"

-- void forget():

ftd.local_storage.delete("my-key")
"""

MORE = """
-- integer $n: 10
-- boolean $flag: false
-- string list $items: a, b, c
-- string list others: x, y
-- string $language: none

-- ftd.integer: $n
id: n

-- ftd.text: minus one
id: minus
$on-click$: $ftd.decrement($a = $n)

-- ftd.text: minus three
id: minus-three
$on-click$: $ftd.decrement-by($a = $n, v = 3)

-- ftd.boolean: $flag
id: flag
$on-click$: $ftd.set-boolean($a = $flag, v = true)

-- ftd.text: $ftd.clean-code(a = plain code, lang = ftd)
id: clean

-- ftd.text: $item
classes: item
for: $item in $items

-- ftd.text: pop
id: pop
$on-click$: $pop($items = $items)

-- ftd.text: replace
id: replace
$on-click$: $replace($items = $items, new-items = $others)

-- ftd.text: empty
id: empty
$on-click$: $empty($items = $items)

-- ftd.text: by name
id: by-name
$on-click$: $by-name()

-- ftd.text: flip scheme
id: flip
$on-click$: $flip()

-- ftd.text: $language
id: language
$on-click$: $read-language($into = $language)

-- ftd.text: to German
id: german
$on-click$: $ftd.set-current-language(lang = de)

-- ftd.text: go
id: go
$on-click$: $go()

-- ftd.text: back
id: back
$on-click$: $back()

-- void pop(items):
string list $items:

ftd.pop(items)

-- void replace(items, new-items):
string list $items:
string list new-items:

ftd.set_list(items, new-items)

-- void empty(items):
string list $items:

ftd.clear_all(items)

-- void by-name():

ftd.set_value("app/more#n", ftd.get_value("app/more#n") * 2)

-- void flip():

ftd.toggle_dark_mode()

-- void read-language(into):
string $into:

into = ftd.get_current_language()

-- void go():

ftd.navigate("/events/", NULL)

-- void back():

ftd.go_back()
"""

# `step` is read by nothing but the body of `advance`: the page must still carry it
HIDDEN_GLOBAL = """
-- integer step: 10

-- integer $total: 0

-- ftd.integer: $total
id: total
$on-click$: $advance()

-- void advance():

total = total + step
"""

# fastn's form-field helpers: a record made by a built-in, on the server and in the browser
FIELDS_WITH_DEFAULTS = """
-- string $field-name: email

-- ftd.string-field typed: $ftd.string-field-with-default(name = $field-name, default = nobody)

-- ftd.text: $typed.name
id: field-name

-- ftd.text: $typed.value
id: field-value

-- ftd.integer-field $age: $ftd.integer-field-with-default(name = age, default = 42)

-- ftd.integer: $age.value
id: age
$on-click$: $ftd.increment($a = $age.value)

-- ftd.text: rename
id: rename
$on-click$: $ftd.set-string($a = $field-name, v = contact)
"""


@pytest.fixture(scope="module")
def server(package_folder: Callable[..., Path], start_fastn: Callable) -> str:
    folder = package_folder(
        FASTN_FTD,
        {
            "counter.ftd": COUNTER,
            "todos.ftd": TODOS,
            "events.ftd": EVENTS,
            "more.ftd": MORE,
            "hidden-global.ftd": HIDDEN_GLOBAL,
            "fields.ftd": FIELDS_WITH_DEFAULTS,
        },
    )
    return start_fastn(folder).url


def test_clicks_update_state_text_conditions_and_attributes(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/counter/").page
    assert page.evaluate("window.fastn.hydrated") is True
    assert tab.text("#count") == "0"
    assert page.locator("#big").count() == 0
    assert tab.text("#amount") == "few"  # a function reading a global, on the server
    page.click("#count")
    assert tab.text("#count") == "1"
    assert tab.text("#label") == "count is 1"
    assert page.eval_on_selector("#label", "e => getComputedStyle(e).color") == "rgb(255, 0, 0)"
    page.click("#plus-five")
    assert tab.text("#count") == "6"
    assert tab.text("#big") == "big"
    assert tab.text("#amount") == "many"  # … and in the browser when the global changes
    assert page.eval_on_selector("#label", "e => getComputedStyle(e).color") == "rgb(0, 0, 0)"
    page.click("#double")  # a user function assigning a global
    assert tab.text("#count") == "12"
    page.click("#reset")
    assert tab.text("#count") == "0"
    assert page.locator("#big").count() == 0


def test_hydration_keeps_the_servers_elements(tab: Tab, server: str) -> None:
    page = tab.page
    # remember the element the HTML parser creates, before the runtime can run
    page.add_init_script(
        """new MutationObserver(() => {
            window.serverElement ||= document.getElementById('count');
        }).observe(document, {childList: true, subtree: true});"""
    )
    tab.open(f"{server}/counter/")
    assert page.evaluate("window.fastn.repairs") == 0
    page.click("#count")
    assert tab.text("#count") == "1"
    assert page.evaluate("document.getElementById('count') === window.serverElement")


def test_typing_and_clicks_before_the_runtime_arrives_are_kept(tab: Tab, server: str) -> None:
    page = tab.page
    held = []
    page.route("**/-/fastn/runtime.*.js", lambda route: held.append(route))
    page.goto(f"{server}/todos/", wait_until="commit")
    page.fill("#draft", "early")
    page.click("#add")
    while not held:  # the runtime's request, kept waiting
        page.wait_for_timeout(10)
    assert page.evaluate("window.fastn") is None
    held[0].continue_()
    page.wait_for_function("window.fastn !== undefined")
    assert tab.text("#echo") == "early"
    assert page.eval_on_selector_all("#names > div", "rows => rows.length") == 3
    assert tab.text("#names > div:last-child").split() == ["2", "early", "open", "delete"]


def test_loops_grow_and_shrink_and_item_state_follows_its_item(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/todos/").page

    def rows() -> list[str]:
        texts = page.eval_on_selector_all("#names > div", "rows => rows.map(r => r.innerText)")
        return [" ".join(text.split()) for text in texts]

    assert rows() == ["0 first open delete", "1 second open delete"]
    page.fill("#draft", "typed")
    assert tab.text("#echo") == "typed"
    page.click("#add")
    assert rows()[-1] == "2 typed open delete"
    page.locator("#names > div").nth(1).get_by_text("open", exact=True).click()
    assert rows()[1] == "1 second open opened delete"
    page.fill("#draft", "zero")
    page.click("#insert")
    assert rows()[0] == "0 zero open delete"
    assert rows()[2] == "2 second open opened delete"  # its own `$open` moved with it
    page.locator("#names > div").nth(1).get_by_text("delete").click()
    assert rows() == ["0 zero open delete", "1 second open opened delete", "2 typed open delete"]
    assert page.locator("#empty").count() == 0
    page.click("#clear")
    assert rows() == []
    assert tab.text("#empty") == "nothing left"
    page.click("#add")
    assert rows() == ["0 zero open delete"]


def test_mutable_arguments_write_through_to_list_items(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/todos/").page
    test_label = page.locator("#tasks").get_by_text("test")
    assert test_label.evaluate("e => getComputedStyle(e).color") != "rgb(0, 128, 0)"
    page.locator("#tasks input[type=checkbox]").nth(1).check()
    assert test_label.evaluate("e => getComputedStyle(e).color") == "rgb(0, 128, 0)"
    tasks = tab.value("app/todos#tasks")
    assert [task["f"] for task in tasks] == [
        {"title": "write", "done": False},
        {"title": "test", "done": True},
    ]


def test_pointer_focus_change_and_outside_clicks(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/events/").page
    page.hover("#hover")
    assert tab.text("#hovering") == "hovering"
    page.hover("#outside")
    assert page.locator("#hovering").count() == 0
    page.click("#box")
    assert tab.text("#outside") == "false"
    page.click("#keys")
    assert tab.text("#outside") == "true"
    page.click("#field")
    assert tab.text("#focused") == "true"
    page.keyboard.type("abc")
    assert tab.text("#changed") == "nothing"  # `change` comes when the field is left
    page.keyboard.press("Tab")
    assert tab.text("#focused") == "false"
    assert tab.text("#changed") == "abc"


def test_global_keys_and_sequences(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/events/").page
    page.keyboard.press("Control+k")
    page.keyboard.press("k")
    assert tab.text("#keys") == "1"
    page.keyboard.press("g")
    page.keyboard.press("h")
    page.keyboard.press("h")
    assert tab.text("#sequence") == "1"
    page.click("#field")
    page.keyboard.press("g")
    page.keyboard.press("h")
    assert tab.text("#sequence") == "1"  # typing in a field is not a shortcut


def test_local_storage_and_clipboard(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/events/").page
    page.click("#load")
    assert tab.text("#stored") == "missing"
    page.click("#save")
    assert page.evaluate("localStorage.getItem('app_my_key')") == "kept"
    page.reload()
    page.wait_for_function("window.fastn !== undefined")
    page.click("#load")
    assert tab.text("#stored") == "kept"
    page.click("#forget")
    assert page.evaluate("localStorage.getItem('app_my_key')") is None
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("#copy")
    page.wait_for_function("navigator.clipboard.readText().then(t => t === 'copied text')")


def test_the_other_built_ins(tab: Tab, server: str) -> None:
    """decrement(-by), set-boolean, clean-code, pop, set_list, clear_all, set_value/get_value,
    toggle_dark_mode, the current language, navigate and go_back."""
    tab.open(f"{server}/counter/")
    page = tab.open(f"{server}/more/").page

    def items() -> list[str]:
        return page.eval_on_selector_all(".item", "items => items.map(i => i.innerText)")

    page.click("#minus")
    page.click("#minus-three")
    assert tab.text("#n") == "6"
    page.click("#flag")
    assert tab.text("#flag") == "true"
    assert tab.text("#clean") == "plain code"
    page.click("#pop")
    assert items() == ["a", "b"]
    page.click("#replace")
    assert items() == ["x", "y"]
    page.click("#empty")
    assert items() == []
    page.click("#by-name")
    assert tab.text("#n") == "12"
    page.click("#flip")
    assert page.evaluate("document.body.classList.contains('dark')")
    page.click("#flip")
    assert not page.evaluate("document.body.classList.contains('dark')")
    page.click("#language")
    assert tab.text("#language") == ""  # no language chosen yet
    with page.expect_navigation():
        page.click("#german")  # the cookie, then the page again
    page.wait_for_function("window.fastn !== undefined")
    assert {c["name"]: c["value"] for c in page.context.cookies()}["fastn-lang"] == "de"
    page.click("#language")
    assert tab.text("#language") == "de"
    page.click("#back")  # to the page before (the counter)
    page.wait_for_url(f"{server}/counter/")
    page.go_forward()
    page.wait_for_function("window.fastn !== undefined")
    with page.expect_navigation(url=f"{server}/events/"):
        page.click("#go")


def test_a_global_read_only_by_a_function_body_reaches_the_browser(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/hidden-global/").page
    page.click("#total")
    assert tab.text("#total") == "10"
    page.click("#total")
    assert tab.text("#total") == "20"


def test_form_fields_with_defaults(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/fields/").page
    assert (tab.text("#field-name"), tab.text("#field-value"), tab.text("#age")) == (
        "email",
        "nobody",
        "42",
    )
    page.click("#rename")  # the field is a formula of $field-name: the browser makes it again
    assert (tab.text("#field-name"), tab.text("#field-value")) == ("contact", "nobody")
    page.click("#age")
    assert tab.text("#age") == "43"

"""What a user does in the browser, with fastn-py in front of Django (headless Chromium).

The admin works through fastn's proxy (CSRF, session cookie, redirects); an item made there
shows on the page fastn reads with pr.sql; the form posts through fastn with ftd.submit_form
and the new item shows on the page fastn fills with pr.http as the logged-in user; ftd.http
calls tick, rename and delete a todo and log out, and the header shows who is signed in.
"""

from __future__ import annotations

import uuid

from django_stack import PASSWORD, USERNAME, Stack, log_in
from playwright.sync_api import Page, expect


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


def admin_log_in(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.fastn_url}/admin/")
    # Django's redirect to its login page reached the browser, which stayed on fastn's origin.
    expect(page).to_have_url(f"{stack.fastn_url}/admin/login/?next=/admin/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page).to_have_url(f"{stack.fastn_url}/admin/")


def test_admin_login_through_fastn(page: Page, stack: Stack) -> None:
    admin_log_in(page, stack)
    expect(page.locator("#site-name")).to_contain_text("Django administration")
    cookies = {cookie["name"] for cookie in page.context.cookies(stack.fastn_url)}
    assert {"sessionid", "csrftoken"} <= cookies
    # The admin's stylesheet (a Django static file) came through fastn and was applied.
    header_background = page.evaluate(
        "getComputedStyle(document.querySelector('#header')).backgroundColor"
    )
    assert header_background not in ("", "rgba(0, 0, 0, 0)")


def test_item_created_in_the_admin_shows_on_the_sql_page(page: Page, stack: Stack) -> None:
    title = unique("Made in the admin")
    admin_log_in(page, stack)
    page.goto(f"{stack.fastn_url}/admin/todos/todo/add/")
    page.fill("#id_title", title)
    page.click("input[name=_save]")
    expect(page).to_have_url(f"{stack.fastn_url}/admin/todos/todo/")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    page.goto(f"{stack.fastn_url}/")
    expect(page.get_by_text(title)).to_be_visible()
    expect(page.get_by_text("Put fastn in front of Django")).to_be_visible()  # seeded
    # fastn read the database itself: Django never saw a request for the page.
    assert '"GET / HTTP' not in (stack.logs / "django.log").read_text()


def test_form_posts_through_fastn_and_the_item_shows_on_the_http_page(
    page: Page, stack: Stack
) -> None:
    title = unique("Added with the fastn form")
    log_in(page, stack, "/add/")
    page.get_by_placeholder("What needs doing?").fill(title)
    page.get_by_text("Add", exact=True).click()
    # Django answered {"redirect": "/mine/"}; the page rendered there came from pr.http with
    # the session cookie fastn forwarded.
    expect(page).to_have_url(f"{stack.fastn_url}/mine/")
    expect(page.get_by_text(title)).to_be_visible()
    expect(page.get_by_text(USERNAME, exact=True)).to_be_visible()


def test_form_shows_djangos_field_errors(page: Page, stack: Stack) -> None:
    log_in(page, stack, "/add/")
    page.get_by_text("Add", exact=True).click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(page).to_have_url(f"{stack.fastn_url}/add/")


def test_form_sends_an_anonymous_visitor_to_log_in(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.fastn_url}/add/")
    page.get_by_placeholder("What needs doing?").fill(unique("Anonymous"))
    page.get_by_text("Add", exact=True).click()
    expect(page).to_have_url(f"{stack.fastn_url}/accounts/login/?next=/add/")


def test_http_page_without_a_session_says_so(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.fastn_url}/mine/")
    expect(page.get_by_text("You are not logged in")).to_be_visible()
    expect(page.get_by_text("Ship it")).to_have_count(0)  # someone else's todos stay hidden


def test_clicking_a_todo_toggles_it_through_the_api(page: Page, stack: Stack) -> None:
    title = unique("Toggle me")
    log_in(page, stack, "/add/")
    page.get_by_placeholder("What needs doing?").fill(title)
    page.get_by_text("Add", exact=True).click()
    expect(page).to_have_url(f"{stack.fastn_url}/mine/")
    line = page.locator("div.ft_row").filter(has_text=title)
    expect(line).to_contain_text("○")
    page.get_by_text(title).click()  # ftd.http POST → {"reload": true} → pr.http again
    expect(line).to_contain_text("✔")


def add_todo(page: Page, stack: Stack, title: str) -> None:
    log_in(page, stack, "/add/")
    page.get_by_placeholder("What needs doing?").fill(title)
    page.get_by_text("Add", exact=True).click()
    expect(page).to_have_url(f"{stack.fastn_url}/mine/")


def test_a_todo_is_renamed_then_deleted_from_the_page(page: Page, stack: Stack) -> None:
    title, renamed = unique("Rename me"), unique("Renamed")
    add_todo(page, stack, title)
    line = page.locator("div.ft_row").filter(has_text=title).last
    line.get_by_text("Edit", exact=True).click()
    editing = page.locator("div.ft_row").filter(has=page.locator("input"))  # title now hidden
    editing.locator("input").fill(renamed)
    editing.get_by_text("Save", exact=True).click()  # ftd.http POST …/edit/ → {"reload": true}
    expect(page.get_by_text(renamed)).to_be_visible()
    expect(page.get_by_text(title)).to_have_count(0)

    page.locator("div.ft_row").filter(has_text=renamed).last.get_by_text("Delete").click()
    expect(page.get_by_text(renamed)).to_have_count(0)
    page.goto(f"{stack.fastn_url}/")  # gone from the database pr.sql reads, too
    expect(page.get_by_text("All todos").last).to_be_visible()
    expect(page.get_by_text(renamed)).to_have_count(0)


def test_renaming_to_nothing_shows_djangos_error(page: Page, stack: Stack) -> None:
    title = unique("Keep my name")
    add_todo(page, stack, title)
    line = page.locator("div.ft_row").filter(has_text=title).last
    line.get_by_text("Edit", exact=True).click()
    editing = page.locator("div.ft_row").filter(has=page.locator("input"))
    editing.locator("input").fill("")
    editing.get_by_text("Save", exact=True).click()
    expect(page.get_by_text("This field is required.")).to_be_visible()


def test_the_header_shows_who_is_signed_in_and_logs_out(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.fastn_url}/")
    expect(page.get_by_text("Log in", exact=True)).to_be_visible()
    log_in(page, stack, "/")
    expect(page.get_by_text(USERNAME, exact=True).first).to_be_visible()
    expect(page.get_by_text("Log in", exact=True)).to_have_count(0)
    page.get_by_text("Log out", exact=True).click()  # ftd.http POST /api/logout/ → redirect
    expect(page.get_by_text("Log in", exact=True)).to_be_visible()
    page.goto(f"{stack.fastn_url}/mine/")
    expect(page.get_by_text("You are not logged in")).to_be_visible()

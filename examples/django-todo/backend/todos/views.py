"""The JSON API the fastn package calls, in fastn's JSON response protocol.

`GET /api/todos/` and `GET /api/session/` are read by the `pr.http` processor (with the
browser's session cookie, which fastn forwards). `POST /api/todos/` is what `ftd.submit_form`
sends; toggle, edit, delete and log out are `ftd.http` calls. The answer tells the page what to
do: `{"redirect": url}`, `{"reload": true}`, `{"errors": {field: [messages]}}` or
`{"data": {variable: value}}`. Answers are 200 even for form errors: the JSON body carries the
outcome and the page applies it.

CSRF: these views do not use Django's token (ftd.submit_form sends the form fields as JSON and
no custom header to carry it); `same_origin_json` takes its place. See docs/django.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout as end_session
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from todos.forms import TodoForm
from todos.models import Todo

View = Callable[..., HttpResponse]


def same_origin_json(view: View) -> View:
    """CSRF protection for JSON views, in place of Django's token.

    A write must come as `Content-Type: application/json` (a cross-site form cannot send that,
    and a cross-site `fetch` needs a CORS preflight nobody grants) and, when the browser says
    where it comes from (`Origin`), from this site's own origin as seen through fastn's
    X-Forwarded-Host/-Proto, or from `CSRF_TRUSTED_ORIGINS`. The session cookie is SameSite=Lax
    besides, so a cross-site POST does not carry it.
    """

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return view(request, *args, **kwargs)
        if request.content_type != "application/json":
            return _refused("send JSON (Content-Type: application/json)", 415)
        origin = request.headers.get("Origin")
        own_origin = f"{request.scheme}://{request.get_host()}"
        if origin is not None and origin not in (own_origin, *settings.CSRF_TRUSTED_ORIGINS):
            return _refused(f"cross-origin request from {origin} refused", 403)
        if origin is None and request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
            return _refused("cross-site request refused", 403)
        return view(request, *args, **kwargs)

    return csrf_exempt(checked)


@same_origin_json
@require_http_methods(["GET", "POST"])
def todos(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _add_todo(request)
    user = request.user
    mine = Todo.objects.filter(owner=user) if user.is_authenticated else Todo.objects.none()
    return JsonResponse(
        {
            "user": user.get_username() if user.is_authenticated else None,
            "todos": [todo.as_json() for todo in mine],
        }
    )


def _add_todo(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"redirect": f"{settings.LOGIN_URL}?next={_page_of(request)}"})
    return _save_todo(request, Todo(owner=request.user), {"redirect": "/mine/"})


def _save_todo(request: HttpRequest, todo: Todo, answer: dict) -> HttpResponse:
    """Validate the posted JSON with the ModelForm and save; Django's errors go back as
    {"errors": {field: [messages]}}."""
    try:
        fields = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"errors": {"all": ["The request was not valid JSON."]}})
    form = TodoForm(fields if isinstance(fields, dict) else {}, instance=todo)
    if not form.is_valid():
        return JsonResponse({"errors": {f: list(messages) for f, messages in form.errors.items()}})
    form.save()
    return JsonResponse(answer)


@require_http_methods(["GET"])
def session(request: HttpRequest) -> HttpResponse:
    """Who is signed in, for the header of every page."""
    user = request.user
    return JsonResponse({"user": user.get_username() if user.is_authenticated else None})


@same_origin_json
@require_POST
def log_out(request: HttpRequest) -> HttpResponse:
    end_session(request)
    return JsonResponse({"redirect": "/"})


@same_origin_json
@require_POST
def toggle(request: HttpRequest, todo_id: int) -> HttpResponse:
    return _change_own_todo(request, todo_id, _toggle)


@same_origin_json
@require_POST
def edit(request: HttpRequest, todo_id: int) -> HttpResponse:
    return _change_own_todo(request, todo_id, _rename)


@same_origin_json
@require_POST
def delete(request: HttpRequest, todo_id: int) -> HttpResponse:
    return _change_own_todo(request, todo_id, _delete)


def _change_own_todo(
    request: HttpRequest, todo_id: int, change: Callable[[HttpRequest, Todo], HttpResponse]
) -> HttpResponse:
    """Apply `change` to one of the signed-in user's todos (anybody else's is a 404)."""
    if not request.user.is_authenticated:
        return JsonResponse({"redirect": f"{settings.LOGIN_URL}?next={_page_of(request)}"})
    return change(request, get_object_or_404(Todo, id=todo_id, owner=request.user))


def _toggle(request: HttpRequest, todo: Todo) -> HttpResponse:
    todo.done = not todo.done
    todo.save(update_fields=["done"])
    return JsonResponse({"reload": True})


def _rename(request: HttpRequest, todo: Todo) -> HttpResponse:
    return _save_todo(request, todo, {"reload": True})


def _delete(request: HttpRequest, todo: Todo) -> HttpResponse:
    todo.delete()
    return JsonResponse({"reload": True})


def _page_of(request: HttpRequest) -> str:
    """The page the call came from (to come back to after logging in), if it is this site's."""
    referer = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return urlsplit(referer).path or "/"
    return settings.LOGIN_REDIRECT_URL


def _refused(message: str, status: int) -> JsonResponse:
    return JsonResponse({"errors": {"all": [message]}}, status=status)

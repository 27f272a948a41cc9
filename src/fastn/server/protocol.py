"""uvicorn's httptools protocol with the limits on slow and oversized requests that it lacks.

uvicorn (with httptools) buffers a request line and headers of any size, and waits for a
request head or body forever: one client can hold memory with an endless header, or hold
connections open by sending a byte now and then (slowloris, slow POST). Here:

- the head of a request (request line and headers) must fit in `MAX_HEAD_BYTES` (431
  otherwise) and arrive within `FASTN_CLIENT_TIMEOUT` seconds (default 30) of the connection
  opening or of its first byte (408 if some of it came, else the connection is just closed);
- a request body may not stall for longer than that while the application waits for it
  (408, or just closed once a response has started);
- the request target must be origin-form (400 otherwise): uvicorn would pass
  `GET http://other-host/x` on as the path `/x`, so the application could not refuse it.

Everything else (keep-alive, pipelining, upgrades, responses) is uvicorn's own behaviour.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from fastn.server.guard import NOT_ORIGIN_FORM, is_origin_form

MAX_HEAD_BYTES = 64 * 1024  # nginx allows 4 × 8 KiB header buffers; Node.js 16 KiB
CLIENT_TIMEOUT_VARIABLE = "FASTN_CLIENT_TIMEOUT"
DEFAULT_CLIENT_TIMEOUT = 30.0


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """`uvicorn.Config(http=GuardedHttpToolsProtocol)`: httptools with size and time limits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client_timeout = float(
            os.environ.get(CLIENT_TIMEOUT_VARIABLE) or DEFAULT_CLIENT_TIMEOUT
        )
        self.awaiting_head = False  # from a request's first byte to the end of its headers
        self.awaiting_body = False  # from the end of its headers to the end of its body
        self.head_bytes = 0  # of the head so far, counted as it arrives in several pieces
        self.chunk_bytes = 0  # of the piece being parsed
        self.last_read = 0.0
        self.timer: asyncio.TimerHandle | None = None
        self.refused = False

    # ------------------------------------------------------------ uvicorn's hooks

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        self.last_read = self.loop.time()
        self.chunk_bytes = len(data)
        super().data_received(data)
        if self.awaiting_head:  # the head is still incomplete: all of `data` belongs to it
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD_BYTES:
                self._refuse(431, "Request header fields too large.")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self.awaiting_head:  # a new request on a kept-alive connection
            self._expect_head()

    def on_headers_complete(self) -> None:
        if self.refused:
            return
        if (
            self.head_bytes + self.chunk_bytes > MAX_HEAD_BYTES
            and self._head_size() > MAX_HEAD_BYTES
        ):
            self._refuse(431, "Request header fields too large.")  # it came in one piece
            return
        if not is_origin_form(self.url):
            self._refuse(400, NOT_ORIGIN_FORM)
            return
        self.awaiting_head = False
        self.awaiting_body = True
        self._start_timer(self.client_timeout)
        previous = self.cycle
        super().on_headers_complete()
        if self.cycle is not previous and self.cycle is not None:  # a new request's cycle
            self.cycle.transport = _HeadWithBody(self.transport, self.loop)  # type: ignore[assignment]

    def on_body(self, body: bytes) -> None:
        if not self.refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self.refused:
            return
        self.awaiting_body = False
        self._stop_timer()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self.awaiting_body = False  # the connection is the WebSocket's from now on
        self._stop_timer()
        super().handle_websocket_upgrade()

    # ------------------------------------------------------------ the limits

    def _expect_head(self) -> None:
        self.awaiting_head = True
        self.head_bytes = 0
        self._start_timer(self.client_timeout)

    def _head_size(self) -> int:
        """The request line and headers as sent (give or take the whitespace)."""
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def _start_timer(self, delay: float) -> None:
        self._stop_timer()
        self.timer = self.loop.call_later(delay, self._timed_out)

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _timed_out(self) -> None:
        self.timer = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if self.awaiting_head:
            if cycle is not None and not cycle.response_complete:
                # a pipelined head waits behind a response still being sent
                self._start_timer(self.client_timeout)
            elif self.head_bytes:
                self._refuse(408, "Request head not received in time.")
            else:  # an idle connection that never sent anything
                self.transport.close()
        elif self.awaiting_body and cycle is not None:
            if cycle.response_started and not cycle.response_complete:
                return  # answering while the body still comes: the response decides
            idle = self.loop.time() - self.last_read
            if not cycle.response_started and (
                self.flow.read_paused or cycle.waiting_for_100_continue
            ):
                self._start_timer(self.client_timeout)  # the application is not reading yet
            elif idle < self.client_timeout:
                self._start_timer(self.client_timeout - idle)
            else:
                self._refuse(408, "Request body not received in time.")

    def _refuse(self, status: int, message: str) -> None:
        """Answer `status` and close (only close while a response is under way or was sent)."""
        self.refused = True
        self._stop_timer()
        cycle = self.cycle  # in a head, the previous request's (or None)
        if self.awaiting_head:
            free = cycle is None or cycle.response_complete
        else:
            free = cycle is None or not cycle.response_started
        if free:
            body = message.encode("ascii")
            head = [STATUS_LINE[status]]
            for name, value in self.server_state.default_headers:
                head += [name, b": ", value, b"\r\n"]
            head.append(b"content-type: text/plain; charset=utf-8\r\n")
            head.append(b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body))
            self.transport.write(b"".join(head) + body)
        self.transport.close()


class _HeadWithBody:
    """The transport as one response's cycle sees it: the response head is held back until
    the first piece of the body, so that a small response leaves in one write (one system
    call, one packet) instead of two. What is held is written at the latest on the event
    loop's next turn, and before anything else the cycle does with the transport."""

    __slots__ = ("transport", "loop", "held", "first")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self.loop = loop
        self.held: bytes | None = None
        self.first = True

    def write(self, data: bytes) -> None:
        if self.first:
            self.first = False
            self.held = data
            self.loop.call_soon(self.flush)
            return
        if self.held is not None:
            data = self.held + data
            self.held = None
        self.transport.write(data)

    def flush(self) -> None:
        if self.held is not None:
            held, self.held = self.held, None
            self.transport.write(held)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def __getattr__(self, name: str) -> Any:
        self.flush()
        return getattr(self.transport, name)

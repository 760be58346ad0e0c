"""The server: a folder's sessions over HTTP, on aiohttp.

Routes, under ``/TOKEN`` with ``--lan`` and at the root otherwise: ``/`` the sessions,
``/play/STEM`` a session's player, ``/feed.xml`` the podcast feed, ``/assets/NAME`` the
pages' script and style, and ``/NAME`` a session's files (its audio with ranges, its
timeline, subtitles and chapters; its programme's sheets). GET and HEAD only; under a
token, any other path is refused (403) before anything else is looked at. At most
:data:`MAX_AT_ONCE` requests are answered at once: beyond that, 429 and ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import errno
import hmac
import ipaddress
import os
import re
import secrets
import signal
import socket
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import hdrs, web

from voiceguide import interrupts
from voiceguide.errors import BadInput
from voiceguide.serve.feed import FEED_NAME, chapters_json, feed_title, feed_xml
from voiceguide.serve.files import send_open_file
from voiceguide.serve.folder import CHAPTERS_SUFFIX, SessionFolder, grouped
from voiceguide.serve.mp3index import FrameIndex, index
from voiceguide.serve.pages import ASSET_TYPES, PAGE_POLICY, asset, index_page, player_page
from voiceguide.serve.today import current

DEFAULT_PORT = 8765
LOOPBACK = "127.0.0.1"
EVERYWHERE = "0.0.0.0"
MAX_AT_ONCE = 256
"""Requests answered at once (each may hold a file open while it streams)."""
SHUTDOWN_SECONDS = 2.0
"""How long a stop waits for answers still being sent."""
SHEET_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
"""A handout is shown as it is, with its own style and nothing it could run."""

FOLDER: web.AppKey[SessionFolder] = web.AppKey("folder", SessionFolder)
PREFIX: web.AppKey[str] = web.AppKey("prefix", str)
TOKEN: web.AppKey[bytes] = web.AppKey("token", bytes)
HOST_NAME = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def new_token() -> str:
    """An unguessable token for the URLs (128 random bits, 22 characters)."""
    return secrets.token_urlsafe(16)


@dataclass
class _Load:
    """Requests being answered now."""

    busy: int = 0


LOAD: web.AppKey[_Load] = web.AppKey("load", _Load)
FRAMES: web.AppKey[dict[tuple[int, int, int, int], FrameIndex | None]] = web.AppKey("frames")


def make_app(folder: SessionFolder, token: str | None = None) -> web.Application:
    """The application serving ``folder``; with ``token``, every path starts ``/TOKEN/``."""
    prefix = f"/{token}" if token else ""
    app = web.Application(middlewares=[_only_reading, _token_gate, _bounded])
    app[FOLDER] = folder
    app[PREFIX] = prefix
    app[TOKEN] = token.encode("ascii") if token else b""
    app[LOAD] = _Load()
    app[FRAMES] = {}
    routes = app.router
    routes.add_get(f"{prefix}/", _index)
    if prefix:
        routes.add_get(prefix, _to_index)
    routes.add_get(f"{prefix}/{FEED_NAME}", _feed)
    routes.add_get(prefix + "/play/{stem}", _player)
    routes.add_get(prefix + "/assets/{name}", _asset)
    routes.add_get(prefix + "/{name}", _file)
    app.on_response_prepare.append(_common_headers)
    return app


@web.middleware
async def _only_reading(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in (hdrs.METH_GET, hdrs.METH_HEAD):
        raise web.HTTPMethodNotAllowed(request.method, [hdrs.METH_GET, hdrs.METH_HEAD])
    return await handler(request)


@web.middleware
async def _token_gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Under a token, the path's first part must be it (compared in constant time)."""
    expected = request.app[TOKEN]
    if expected:
        given = request.path.split("/", 2)[1] if request.path.startswith("/") else ""
        if not hmac.compare_digest(given.encode("utf-8", "replace"), expected):
            raise web.HTTPForbidden(
                text="This address needs the token that 'voiceguide serve --lan' printed.\n"
            )
    return await handler(request)


@web.middleware
async def _bounded(request: web.Request, handler: Handler) -> web.StreamResponse:
    load = request.app[LOAD]
    if load.busy >= MAX_AT_ONCE:
        raise web.HTTPTooManyRequests(headers={hdrs.RETRY_AFTER: "1"})
    load.busy += 1
    try:
        return await handler(request)
    finally:
        load.busy -= 1


async def _common_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers.setdefault(hdrs.CACHE_CONTROL, "no-cache")


def _folder(request: web.Request) -> SessionFolder:
    return request.app[FOLDER]


def _base(request: web.Request) -> str:
    """This server's address as the client reached it (for the feed's URLs): the Host
    header, or where the connection arrived when that is not a host name."""
    host = request.host or ""
    if not HOST_NAME.match(host):
        where = request.transport.get_extra_info("sockname") if request.transport else None
        host = f"{where[0]}:{where[1]}" if where else f"{LOOPBACK}:{DEFAULT_PORT}"
    return f"http://{host}{request.app[PREFIX]}/"


async def _to_index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(f"{request.app[PREFIX]}/")


async def _index(request: web.Request) -> web.StreamResponse:
    folder = _folder(request)
    groups = grouped(folder.sessions())
    sheets = {group.name: folder.sheets(group.name) for group in groups}
    today = dt.datetime.now()  # the calendar's times are floating: the server's own clock
    now = {
        group.name: found
        for group in groups
        if None not in group.weeks and (found := current(folder, group.name, today))
    }
    return _html(index_page(groups, _base(request) + FEED_NAME, sheets, now))


async def _player(request: web.Request) -> web.StreamResponse:
    folder = _folder(request)
    session = folder.session(request.match_info["stem"])
    if session is None:
        raise web.HTTPNotFound(text="No such session in this folder.\n")
    frames = None
    opened = folder.open(session.audio) if session.audio_type == "audio/mpeg" else None
    if opened is not None:
        try:
            frames = await _frame_index(request.app, *opened)
        finally:
            os.close(opened[0])
    return _html(player_page(session, frames))


async def _feed(request: web.Request) -> web.StreamResponse:
    folder = _folder(request)
    sessions = folder.sessions()
    xml = feed_xml(sessions, _base(request), title=feed_title(folder.path, sessions))
    return web.Response(body=xml, content_type="application/rss+xml", charset="utf-8")


async def _asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    body = asset(name)
    if body is None:
        raise web.HTTPNotFound()
    response = web.Response(body=body, headers={hdrs.CONTENT_TYPE: ASSET_TYPES[name]})
    return response


async def _file(request: web.Request) -> web.StreamResponse:
    folder = _folder(request)
    name = request.match_info["name"]
    if name.endswith(CHAPTERS_SUFFIX):
        session = folder.session(name.removesuffix(CHAPTERS_SUFFIX))
        if session is None or not session.chapters:
            raise web.HTTPNotFound()
        return web.Response(text=chapters_json(session), content_type="application/json+chapters")
    found = folder.lookup(name)
    opened = folder.open(name) if found else None
    if found is None or opened is None:
        raise web.HTTPNotFound()
    kind, session = found
    fd, info = opened
    policy = SHEET_POLICY if kind.startswith("text/html") else None
    try:
        window, head = None, b""
        if "frame" in request.query and session is not None and name == session.audio:
            window, head = await _frames_from(request, fd, info, request.query["frame"])
        return await send_open_file(
            request, fd, info, kind, policy=policy, window=window, head=head
        )
    finally:
        os.close(fd)


async def _frames_from(
    request: web.Request, fd: int, info: os.stat_result, asked: str
) -> tuple[tuple[int, int], bytes]:
    """The bytes of an MP3 from frame ``asked`` to its last, and the info frame that
    goes before them (see :mod:`.mp3index`)."""
    frames = await _frame_index(request.app, fd, info)
    if frames is None or not asked.isdigit() or len(asked) > 9:
        raise web.HTTPBadRequest(text="frame= needs an MP3 and a frame number.\n")
    frame = int(asked)
    if frame >= len(frames.offsets):
        raise web.HTTPRequestRangeNotSatisfiable(text="No such frame.\n")
    window = (frames.offsets[frame], frames.end - frames.offsets[frame])
    return window, frames.head(frame)


async def _frame_index(app: web.Application, fd: int, info: os.stat_result) -> FrameIndex | None:
    key = (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)
    known = app[FRAMES]
    if key not in known:
        found = await asyncio.get_running_loop().run_in_executor(None, index, fd, info.st_size)
        if len(known) >= 64:  # a few sessions' worth; older ones are read again if asked
            known.clear()
        known[key] = found
    return known[key]


def _html(text: str) -> web.Response:
    return web.Response(text=text, content_type="text/html", charset="utf-8")


# -- running ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """Where the server listens and the URL to open."""

    host: str
    port: int
    url: str
    """The address to open: on the local network with ``--lan`` (where one was found)."""
    sessions: int
    """How many sessions the folder holds now."""
    skipped: tuple[tuple[str, str], ...] = ()
    """The timelines there that are not served, and why."""


def lan_address() -> str | None:
    """This computer's address on the local network: the one its route to the outside
    would leave from (a UDP socket's connect sends nothing). None when there is none."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    if ipaddress.ip_address(address).is_loopback or address == EVERYWHERE:
        return None
    return address


async def _run(
    app: web.Application,
    host: str,
    port: int,
    *,
    token: str | None,
    ready: Callable[[Address], None],
) -> int:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise BadInput(_bind_failure(host, port, exc)) from None
        bound = _bound_port(runner) or port
        shown = (lan_address() or LOOPBACK) if host == EVERYWHERE else host
        path = f"/{token}/" if token else "/"
        count = len(app[FOLDER].sessions())
        skipped = tuple(app[FOLDER].skipped())
        ready(Address(host, bound, f"http://{shown}:{bound}{path}", count, skipped))
        return await _until_stopped()
    finally:
        await runner.cleanup()


def _bound_port(runner: web.AppRunner) -> int | None:
    for server in runner.sites:
        sockets = getattr(getattr(server, "_server", None), "sockets", None) or []
        for sock in sockets:
            return int(sock.getsockname()[1])
    return None


def _bind_failure(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is already in use on {host}: choose another with --port"
    if exc.errno == errno.EACCES:
        return f"port {port} needs more privileges on {host}: choose one above 1023 with --port"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


async def _until_stopped() -> int:
    """Wait for Ctrl-C, SIGTERM or SIGHUP (those not ignored); the signal's number. The
    handlers voiceguide had are put back afterwards."""
    loop = asyncio.get_running_loop()
    stop: asyncio.Future[int] = loop.create_future()
    if threading.current_thread() is not threading.main_thread():
        return await stop  # stopped by cancelling (a test's thread)
    previous = {}
    for signum in interrupts.STOPPING:
        handler = signal.getsignal(signum)
        if handler is signal.SIG_IGN:
            continue
        previous[signum] = handler
        try:
            loop.add_signal_handler(signum, _stopping, stop, signum)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises as usual
            del previous[signum]
    try:
        return await stop
    finally:
        for signum, handler in previous.items():
            loop.remove_signal_handler(signum)
            signal.signal(signum, handler)


def _stopping(stop: asyncio.Future[int], signum: int) -> None:
    if not stop.done():
        stop.set_result(signum)


def serve(
    folder: Path,
    *,
    host: str = LOOPBACK,
    port: int = DEFAULT_PORT,
    token: str | None = None,
    ready: Callable[[Address], None] = lambda address: None,
) -> int:
    """Serve ``folder`` until a stopping signal arrives; that signal's number. ``ready``
    is told the address once the server listens. Raises :class:`BadInput` when the
    folder cannot be read or the port cannot be had."""
    with SessionFolder(folder) as sessions:
        app = make_app(sessions, token)
        return asyncio.run(_run(app, host, port, token=token, ready=ready))

"""Sending a file that is already open, with HTTP ranges (aiohttp).

aiohttp's own ``FileResponse`` opens its file by path as it answers. Here the file was
opened, and found to be a regular file inside the folder, before the answer began, and
every byte sent comes from that descriptor: a session rebuilt meanwhile (its file
renamed over) does not change what this answer sends. The Range header is read by
aiohttp (``request.http_range``): one range of bytes gets a 206, an unsatisfiable or
malformed one a 416, another unit is ignored (RFC 9110, 14.2). ``If-Range`` and
``If-None-Match`` take the ETag, made from the file's identity, time and size.
"""

from __future__ import annotations

import asyncio
import os
from email.utils import formatdate

from aiohttp import hdrs, web

CHUNK = 256 * 1024


def etag_of(info: os.stat_result) -> str:
    return f"{info.st_ino:x}-{info.st_mtime_ns:x}-{info.st_size:x}"


async def send_open_file(
    request: web.Request,
    fd: int,
    info: os.stat_result,
    content_type: str,
    *,
    policy: str | None = None,
    window: tuple[int, int] | None = None,
    head: bytes = b"",
) -> web.StreamResponse:
    """Answer ``request`` with the file open as ``fd`` (whose status is ``info``), or
    with the ``window`` (first byte, bytes) of it as if it were the whole file, after
    ``head`` (bytes made for it: the answer is ``head`` then the window, ranges counted
    over both); with ``policy`` as its Content-Security-Policy if given. The caller
    closes ``fd``."""
    first, size = window if window is not None else (0, info.st_size)
    etag = etag_of(info) + (f"-{first:x}" if window is not None else "")
    if head:
        etag += f"-h{len(head):x}"
        size += len(head)
    modified = formatdate(info.st_mtime, usegmt=True)
    response = web.StreamResponse()
    response.headers[hdrs.ACCEPT_RANGES] = "bytes"
    response.headers[hdrs.CONTENT_TYPE] = content_type
    response.headers[hdrs.ETAG] = f'"{etag}"'
    response.headers[hdrs.LAST_MODIFIED] = modified
    if policy:
        response.headers["Content-Security-Policy"] = policy

    wanted = request.if_none_match
    if wanted is not None and any(t.value in (etag, "*") for t in wanted):
        response.set_status(304)
        await response.prepare(request)
        return response

    start, count = 0, size
    if _range_applies(request, etag, modified):
        try:
            chosen = request.http_range
        except ValueError:
            return await _unsatisfiable(request, response, size)
        if chosen.start is not None:
            if chosen.start < 0:  # the last N bytes
                start = max(size + chosen.start, 0)
                count = size - start
            else:
                start = chosen.start
                end = size if chosen.stop is None else min(chosen.stop, size)
                count = end - start
            if start >= size or count <= 0:
                return await _unsatisfiable(request, response, size)
            response.set_status(206)
            response.headers[hdrs.CONTENT_RANGE] = f"bytes {start}-{start + count - 1}/{size}"
    response.content_length = count
    await response.prepare(request)
    if request.method != hdrs.METH_HEAD and count:
        if start < len(head):
            sent = head[start : start + count]
            await response.write(sent)
            start, count = len(head), count - len(sent)
        if count:
            await _send(request, response, fd, first + start - len(head), count)
    await response.write_eof()
    return response


def _range_applies(request: web.Request, etag: str, modified: str) -> bool:
    """Whether to answer the Range header: it asks for bytes, and an ``If-Range`` (if
    any) names this very file, by its ETag or its date."""
    asked = request.headers.get(hdrs.RANGE)
    if asked is None or not asked.strip().lower().startswith("bytes="):
        return False
    condition = request.headers.get(hdrs.IF_RANGE)
    if condition is None:
        return True
    return condition.strip() in (f'"{etag}"', modified)


async def _unsatisfiable(
    request: web.Request, response: web.StreamResponse, size: int
) -> web.StreamResponse:
    response.set_status(416)
    response.headers[hdrs.CONTENT_RANGE] = f"bytes */{size}"
    response.content_length = 0
    await response.prepare(request)
    await response.write_eof()
    return response


async def _send(
    request: web.Request, response: web.StreamResponse, fd: int, start: int, count: int
) -> None:
    """``count`` bytes of ``fd`` from ``start``: read in a worker thread (a file read may
    block), written as the client takes them."""
    loop = asyncio.get_running_loop()
    offset, left = start, count
    while left > 0:
        chunk = await loop.run_in_executor(None, os.pread, fd, min(CHUNK, left), offset)
        if not chunk:  # the file was cut short under us (not by a build: it renames)
            raise ConnectionResetError("the file shrank while it was sent")
        await response.write(chunk)
        offset += len(chunk)
        left -= len(chunk)

"""The commands that get sessions onto a phone: ``serve`` (a page and a podcast feed over
HTTP) and ``feed`` (the feed as static files). The server's libraries (aiohttp, segno)
are imported only when these commands run."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import click

from voiceguide.errors import BadInput

MAX_TITLE = 200
"""Characters a podcast's title may have: a podcast app shows a line or two."""
_DEFAULT_PORT = 8765


@click.command("serve")
@click.argument("folder", type=click.Path(path_type=Path), default="output", required=False)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    metavar="PORT",
    default=_DEFAULT_PORT,
    show_default=True,
    help="Port to listen on (0: any free one).",
)
@click.option(
    "--lan",
    is_flag=True,
    help="Listen on the local network, with a secret token in every address, and print "
    "the address and a QR code to scan with a phone.",
)
@click.pass_context
def serve_command(ctx: click.Context, folder: Path, port: int, lan: bool) -> None:
    """Serve the sessions in FOLDER (default ./output) to a browser or a podcast app.

    Open the address it prints: a page lists the sessions, and each has a player made
    for a phone (play, 15 s back and forward, the chapters, what is happening now). The
    podcast feed is at that address + feed.xml. Only this computer can connect unless --lan is
    given; then only those who have the printed address (with its token) can. Ctrl-C
    stops it.

    \b
    Examples:
      voiceguide serve
      voiceguide serve ~/stretches --lan
      voiceguide serve output --port 9000
    """
    from voiceguide.serve.app import EVERYWHERE, LOOPBACK, Address, new_token, serve

    _existing(folder)
    token = new_token() if lan else None

    def ready(address: Address) -> None:
        count = f"{address.sessions} session{'' if address.sessions == 1 else 's'}"
        click.echo(f"Serving {count} from {folder} at {address.url}")
        for name, why in address.skipped:  # a session the physiotherapist expects to see
            click.echo(f"Not served: {name}: {why}", err=True)
        if lan:
            _print_qr(address.url)
            if address.url.startswith(f"http://{LOOPBACK}:"):
                click.echo("No local network address was found: this address works here only.")
            else:
                click.echo(
                    "Scan the code with the phone's camera (on the same network), or type "
                    "the address. Without its token, the server refuses every request."
                )
        click.echo("Ctrl-C stops it.")

    signum = serve(
        folder, host=EVERYWHERE if lan else LOOPBACK, port=port, token=token, ready=ready
    )
    click.echo("Stopped.", err=True)
    ctx.exit(128 + signum)


def _print_qr(url: str) -> None:
    import segno

    segno.make_qr(url, error="m").terminal(out=sys.stdout, compact=True)
    sys.stdout.flush()


@click.command("feed")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--base-url",
    required=True,
    metavar="URL",
    help="The address FOLDER will be published at (http:// or https://).",
)
@click.option(
    "--title",
    metavar="TEXT",
    help="The podcast's title [default: a programme's own when FOLDER holds one programme,"
    " else 'FOLDER: voiceguide sessions', in the sessions' language].",
)
def feed_command(folder: Path, base_url: str, title: str | None) -> None:
    """Write FOLDER/feed.xml, a podcast feed of the sessions in FOLDER, and each
    session's chapters (NAME.chapters.json), for any static web host.

    Copy the folder to the host; a podcast app subscribed to URL/feed.xml then downloads
    each session for listening offline, with its chapters. Run it again after building
    new sessions.

    \b
    Examples:
      voiceguide feed output --base-url https://example.org/stretches/
      voiceguide feed ~/stretches --base-url http://192.168.1.20:8000/
      voiceguide feed ~/patients/smith --base-url https://example.org/smith/ --title "Mrs Smith"
    """
    from voiceguide.serve.feed import write_feed

    _existing(folder)
    if title is not None and not title.strip():
        raise BadInput("--title is empty; give the podcast a title, or leave --title out")
    if title is not None and len(title.strip()) > MAX_TITLE:
        raise BadInput(f"--title is {len(title.strip()):,} characters long; at most {MAX_TITLE}")
    unseen = next(
        (c for c in title or "" if unicodedata.category(c) in ("Cc", "Cs") or c in "\ufffe\uffff"),
        None,
    )
    if unseen is not None:  # XML cannot hold it: the feed would not parse
        raise BadInput(
            f"--title has an invisible control character (U+{ord(unseen):04X}); type it again"
        )
    published = write_feed(folder, base_url, title.strip() if title else None)
    sessions = published.sessions
    chapters = ", ".join(p.name for p in published.chapters)
    click.echo(
        f"{published.feed}: {sessions} session{'' if sessions == 1 else 's'}"
        + (f"; chapters in {chapters}" if chapters else "")
    )
    if not sessions:
        click.echo(f"Note: no sessions in {folder} yet (voiceguide build -o {folder})", err=True)


def _existing(folder: Path) -> None:
    if not folder.exists():
        raise BadInput(f"{folder}: no such folder (voiceguide build -o {folder} makes one)")
    if not folder.is_dir():
        raise BadInput(f"{folder}: not a folder")

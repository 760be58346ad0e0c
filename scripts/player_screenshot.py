"""Take docs/player.png: the player of the built-in session on a phone-sized screen
(390×844), playing, in the middle of a hold, as `voiceguide serve` shows it.

    .venv/bin/python scripts/player_screenshot.py [OUT.png]

Builds the session into a temporary folder, serves it on 127.0.0.1 and drives Debian's
Chromium (/usr/bin/chromium) with Playwright; needs the test extra.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "player.png"
    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser_path:
        print("needs Chromium (apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as work:
        out = Path(work)
        voiceguide = [sys.executable, "-m", "voiceguide"]
        subprocess.run([*voiceguide, "build", "--reps", "1", "-o", str(out)], check=True)
        timeline = json.loads((out / "hamstring-relief.timeline.json").read_text())
        hold = next(e for e in timeline["events"] if e["kind"] == "hold")
        server = subprocess.Popen(
            [*voiceguide, "serve", str(out), "--port", "0"], stdout=subprocess.PIPE
        )
        try:
            url = _address(server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=browser_path,
                    args=["--autoplay-policy=no-user-gesture-required"],
                )
                page = browser.new_page(viewport={"width": 390, "height": 844})
                page.goto(f"{url}play/hamstring-relief")
                page.click("#play")
                at = hold["end"] - 11.6  # "12 s" left
                page.evaluate(
                    "(t) => { const s = document.getElementById('seek'); s.value = String(t);"
                    " s.dispatchEvent(new Event('change')); }",
                    at,
                )
                deadline = time.monotonic() + 10
                while "12 s" not in page.inner_text("#now-main"):
                    if time.monotonic() > deadline:
                        raise SystemExit("the player never showed the hold")
                    time.sleep(0.05)
                page.screenshot(path=str(target))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(target)
    return 0


def _address(server: subprocess.Popen) -> str:
    printed = ""
    deadline = time.monotonic() + 30
    stdout = server.stdout.fileno() if server.stdout else -1
    while "Ctrl-C stops it." not in printed:
        left = deadline - time.monotonic()
        if left <= 0 or server.poll() is not None:
            raise SystemExit(f"the server did not start: {printed}")
        if select.select([stdout], [], [], left)[0]:
            printed += os.read(stdout, 65536).decode()
    found = re.search(r"http://\S+/", printed)
    if not found:
        raise SystemExit(f"no address in: {printed}")
    return found.group(0)


if __name__ == "__main__":
    sys.exit(main())

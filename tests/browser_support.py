"""Shared by the tests that serve a KB for real: a `datasette serve` subprocess on a
free loopback port, and headless Chromium (Debian's package) driven by playwright.

Never `playwright install`: the browser is /usr/bin/chromium. Tests skip, with the
reason, when Chromium or the playwright package is missing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# What `make serve` passes (minus the metadata file, which the plugin supplies).
SERVE_SETTINGS = ["--setting", "sql_time_limit_ms", "1000", "--setting", "max_returned_rows", "1000",
                  "--setting", "allow_download", "off"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1).read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode(errors="replace") if process.poll() is not None else ""
                pytest.fail(f"datasette did not start on {base}: {output[-2000:]}")
            time.sleep(0.2)


@contextlib.contextmanager
def stopping(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """Terminate ``process`` (and only it) when the block ends."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def datasette_server(db: str | os.PathLike, *extra: str) -> Iterator[str]:
    """``datasette serve -i DB`` on 127.0.0.1:<free port>, as ``make serve`` runs it; yields the base URL."""
    port = free_port()
    command = [sys.executable, "-m", "datasette", "serve", "-i", str(db), "-h", "127.0.0.1", "-p", str(port),
               *SERVE_SETTINGS, *extra]
    with stopping(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)) as process:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, process)
        yield base


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium browser (playwright ``Browser``), or skip the test."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("python package playwright missing: pip install -e '.[test]'")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def loopback_only(page, base: str) -> list[str]:
    """Abort every request that does not go to ``base``; returns the list of those aborted."""
    outside: list[str] = []

    def route(route):
        url = route.request.url
        if url.startswith(base) or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", route)
    return outside


def listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP socket listens on ``port`` (from /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                if len(address) == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
                else:
                    raw = bytes.fromhex(address)
                    found.add(socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))))
    return found

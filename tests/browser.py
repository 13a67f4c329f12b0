"""Headless Chromium for the browser tests: the binary, its offline flags, and a small
Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (no port, no network,
stdlib only).

Chromium reads protocol messages from file descriptor 3 and writes to 4, each message a
JSON object followed by a NUL byte.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pronate.outputs.report.pdf import HEADLESS_FLAGS as OFFLINE_FLAGS


def chromium() -> str | None:
    """Path of Chromium (or Chrome) on ``PATH``, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def headless_command(browser: str, profile: Path, *extra: str) -> list[str]:
    """The command line of an offline headless Chromium with a throw-away profile."""
    return [browser, *OFFLINE_FLAGS, f"--user-data-dir={profile}", *extra]


class DevToolsError(RuntimeError):
    """The browser answered a command with an error, or stopped answering."""


class DevTools:
    """A headless Chromium driven over ``--remote-debugging-pipe``.

    Use as a context manager; :meth:`open_page` attaches to a new tab, :meth:`call` sends a
    command and waits for its answer, and every event received is kept in :attr:`events`.

    Parameters
    ----------
    browser
        The Chromium binary.
    profile
        A fresh ``--user-data-dir``.
    timeout_s
        How long to wait for any one answer before giving up (a guard against a hung
        browser, not a measurement).
    """

    def __init__(self, browser: str, profile: Path, *, timeout_s: float = 60.0) -> None:
        self.timeout_s = timeout_s
        self.events: list[dict[str, Any]] = []
        self._next_id = 0
        self._buffer = b""
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_fds() -> None:  # in the child: fd 3 = its input, fd 4 = its output
            a = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self._stderr_path = Path(profile).with_suffix(".stderr.txt")
        Path(profile).mkdir(parents=True, exist_ok=True)
        with self._stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                headless_command(browser, profile, "--remote-debugging-pipe", "about:blank"),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                pass_fds=(3, 4),
                preexec_fn=wire_fds,
            )
        os.close(to_browser_r)
        os.close(from_browser_w)

    def __enter__(self) -> DevTools:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Ask the browser to quit, then make sure it has."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self._send({"id": self._new_id(), "method": "Browser.close"})
            try:
                self.process.wait(timeout=self.timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)

    @property
    def stderr(self) -> str:
        """What the browser printed on stderr so far."""
        try:
            return self._stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _send(self, message: dict[str, Any]) -> None:
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_browser], [], [], self.timeout_s)
            if not ready:
                raise DevToolsError(f"no answer from the browser in {self.timeout_s} s")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise DevToolsError(f"the browser closed the pipe: {self.stderr[-2000:]}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None
    ) -> dict[str, Any]:
        """Send a command and return its result; events meanwhile go to :attr:`events`."""
        message: dict[str, Any] = {"id": self._new_id(), "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        self._send(message)
        while True:
            answer = self._receive()
            if answer.get("id") == message["id"]:
                if "error" in answer:
                    raise DevToolsError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            if "method" in answer:
                self.events.append(answer)

    def wait_for(self, method: str, *, session: str | None = None) -> dict[str, Any]:
        """Return the first event ``method`` (of ``session``) not returned before,
        waiting for it if needed."""

        def fits(event: dict[str, Any]) -> bool:
            return event.get("method") == method and event.get("sessionId") == session

        for event in self.events:
            if fits(event) and not event.get("_waited"):
                event["_waited"] = True
                return event
        while True:
            message = self._receive()
            if "method" not in message:
                continue
            self.events.append(message)
            if fits(message):
                message["_waited"] = True
                return message

    def open_page(self, *, domains: Iterable[str] = ("Runtime", "Log", "Network", "Page")) -> str:
        """Open a blank tab, attach to it and enable ``domains``; return the session id."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session: str = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in domains:
            self.call(f"{domain}.enable", session=session)
        return session

    def of(self, session: str, *methods: str) -> list[dict[str, Any]]:
        """The events ``methods`` received from ``session``."""
        return [
            e for e in self.events if e.get("sessionId") == session and e.get("method") in methods
        ]


def console_errors(devtools: DevTools, session: str) -> list[str]:
    """Console errors, uncaught exceptions and error log entries of a page, as text."""
    out = []
    for e in devtools.of(session, "Runtime.consoleAPICalled"):
        p = e["params"]
        if p.get("type") in ("error", "assert"):
            out.append(f"console.{p['type']}: {[a.get('value') for a in p.get('args', [])]}")
    for e in devtools.of(session, "Runtime.exceptionThrown"):
        out.append(f"exception: {e['params'].get('exceptionDetails', {}).get('text')}")
    for e in devtools.of(session, "Log.entryAdded"):
        entry = e["params"].get("entry", {})
        if entry.get("level") == "error":
            out.append(f"log: {entry.get('text')} {entry.get('url', '')}")
    return out


def requested_urls(devtools: DevTools, session: str) -> list[str]:
    """URLs of every request the page made (``Network.requestWillBeSent``)."""
    return [
        e["params"]["request"]["url"] for e in devtools.of(session, "Network.requestWillBeSent")
    ]

"""``pronate serve``: refuses to expose the workspace without a token, prints its
address, serves the API; bad settings are one line and exit status 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pronate.app.cli import main
from served import free_port


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--host", "0.0.0.0"], {}, "set PRONATE_TOKEN or pass --generate-token"),
        (["--host", "192.168.1.20"], {}, "exposes the workspace"),
        (["--host", "0.0.0.0"], {"PRONATE_TOKEN": "short"}, "too short"),
        (["--database-url", "nonsense"], {}, "database URL is not valid"),
        (["--port", "70000"], {}, "not a port number"),
        (["--max-upload-mb", "0"], {}, "must be positive"),
    ],
)
def test_bad_settings_are_one_line(
    args: list[str],
    env: dict[str, str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("PRONATE_TOKEN", raising=False)
    monkeypatch.delenv("PRONATE_DATABASE_URL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["serve", "--data", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pronate: error: ") and err.count("\n") == 1
    assert message in err


def get(url: str, token: str | None = None) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def serve(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("PRONATE_TOKEN", "PRONATE_DATABASE_URL")
    }
    env["PRONATE_HOME"] = str(tmp_path / "home")
    process = subprocess.Popen(
        [sys.executable, "-m", "pronate.app.cli", "serve", "--workers", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("pronate workspace: http://"), line
    return process, line.split(": ", 1)[1].strip()


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def wait_up(url: str, token: str | None = None) -> tuple[int, dict[str, object]]:
    import time

    end = time.monotonic() + 30
    while True:
        try:
            return get(url, token)
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def test_serve_on_localhost_without_token(tmp_path: Path) -> None:
    port = free_port()
    process, url = serve(tmp_path, "--port", str(port))
    try:
        assert url == f"http://127.0.0.1:{port}/"
        status, body = wait_up(f"{url}api/health")
        assert (status, body["database"]) == (200, "sqlite")
    finally:
        stop(process)
    assert (tmp_path / "home" / "workspace" / "workspace.db").is_file()


def test_serve_exposed_needs_the_token(tmp_path: Path) -> None:
    port = free_port()
    process, url = serve(
        tmp_path,
        "--host",
        "0.0.0.0",
        "--port",
        str(port),
        "--generate-token",
        "--data",
        str(tmp_path / "data"),
    )
    try:
        token = url.split("?token=", 1)[1]
        assert len(token) >= 16
        base = f"http://127.0.0.1:{port}/api/health"
        status, body = wait_up(base)
        assert status == 401 and "token" in str(body["detail"])
        assert get(base, "wrong-token-wrong-token")[0] == 401
        assert get(base, token)[0] == 200
    finally:
        stop(process)
    assert (tmp_path / "data" / "workspace.db").is_file()

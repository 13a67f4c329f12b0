"""Atomic outputs: a failed write leaves the previous file and no temp file behind."""

from __future__ import annotations

import errno
import os

import pytest

from pronate.errors import OutputError
from pronate.io import atomic
from pronate.io.atomic import atomic_path, ensure_output_dir, write_text_atomic


def test_write_replaces_in_one_step(tmp_path):
    target = tmp_path / "a.txt"
    write_text_atomic(target, "one")
    write_text_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_failure_keeps_previous_file_and_cleans_up(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise ValueError("crash mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_full_disk_is_a_clear_error_and_loses_nothing(tmp_path, monkeypatch):
    target = tmp_path / "a.txt"
    target.write_text("old")

    def no_space(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "replace", no_space)
    with pytest.raises(OutputError, match="disk full"):
        write_text_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_output_folder_below_a_file_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot create output folder"):
        ensure_output_dir(blocker / "out")


def test_creates_missing_parents(tmp_path):
    target = tmp_path / "a" / "b" / "c.txt"
    write_text_atomic(target, "x")
    assert target.read_text() == "x"


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_get_the_permissions_the_umask_allows(tmp_path, mask, mode):
    """Issue 9: outputs were left 0600 by the temporary file they were written through."""
    old = os.umask(mask)
    try:
        text = write_text_atomic(tmp_path / "a.txt", "x")
        data = atomic.write_bytes_atomic(tmp_path / "b.bin", b"x")
    finally:
        os.umask(old)
    assert (text.stat().st_mode & 0o777, data.stat().st_mode & 0o777) == (mode, mode)

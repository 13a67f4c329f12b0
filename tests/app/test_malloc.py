"""The allocator thresholds an analysis runs with (pronate.app.malloc)."""

from __future__ import annotations

import pytest

from pronate.app import malloc


class FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int] | tuple[str, int]] = []

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append(("mallopt", param, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad))
        return 1


def test_a_dask_style_environment_gets_roomy_thresholds_then_its_own_back(monkeypatch) -> None:
    fake = FakeLibc()
    monkeypatch.setattr(malloc, "_libc", lambda: fake)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    with malloc.roomy_malloc() as changed:
        assert changed
        assert fake.calls == [
            ("mallopt", malloc.M_MMAP_THRESHOLD, 32 * 1024 * 1024),
            ("mallopt", malloc.M_TRIM_THRESHOLD, 64 * 1024 * 1024),
        ]
    assert fake.calls[2:] == [
        ("mallopt", malloc.M_MMAP_THRESHOLD, 128 * 1024),
        ("mallopt", malloc.M_TRIM_THRESHOLD, 65536),
        ("malloc_trim", 0),
    ]


def test_thresholds_come_back_when_the_block_fails(monkeypatch) -> None:
    fake = FakeLibc()
    monkeypatch.setattr(malloc, "_libc", lambda: fake)
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "1000000")
    with pytest.raises(RuntimeError), malloc.roomy_malloc():
        raise RuntimeError("clip failed")
    assert ("mallopt", malloc.M_MMAP_THRESHOLD, 1000000) in fake.calls
    assert fake.calls[-1] == ("malloc_trim", 0)


def test_a_plain_process_is_left_alone(monkeypatch) -> None:
    fake = FakeLibc()
    monkeypatch.setattr(malloc, "_libc", lambda: fake)
    for key in malloc.ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    with malloc.roomy_malloc() as changed:
        assert not changed
    assert fake.calls == []


def test_the_real_c_library_is_found_on_linux() -> None:
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")
    assert malloc._libc() is not None

"""A stop signal found inside the exception it came out wrapped in."""

from __future__ import annotations

import signal

from pronate.io.signals import Interrupted, interruption


def test_the_stop_inside_a_wrapper_is_found() -> None:
    stop = Interrupted(signal.SIGTERM)
    try:
        try:
            raise stop
        except Interrupted as exc:
            raise RuntimeError("Error calling __set_name__") from exc
    except RuntimeError as outer:
        assert interruption(outer) is stop
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise ValueError("during the handling")  # noqa: B904  (the implicit context)
    except ValueError as outer:
        assert isinstance(interruption(outer), KeyboardInterrupt)


def test_an_error_without_a_stop_is_none() -> None:
    try:
        try:
            raise OSError("disk")
        except OSError as exc:
            raise RuntimeError("wrapped") from exc
    except RuntimeError as outer:
        assert interruption(outer) is None
    assert interruption(ValueError("plain")) is None

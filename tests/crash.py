"""A crash in native code, as an analysis process sees it, for the executor's tests."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any


class Bomb:
    """A progress callback whose unpickling kills the process it arrives in (SIGKILL, as
    a crash in native code would); each death is counted in the file ``log``."""

    def __init__(self, log: Path):
        self.log = log

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        with open(self.log, "a") as f:
            f.write("x")
        os.kill(os.getpid(), signal.SIGKILL)

    def __call__(self, fraction: float) -> None:
        """Never called."""

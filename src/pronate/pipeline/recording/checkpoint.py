"""What a recording's run has done so far: each stretch's result (:class:`StretchResult`)
and the checkpoint that keeps them, with the scan's findings, for the same command to go
on from (:class:`Checkpoint`)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pronate.io.atomic import write_text_atomic
from pronate.pipeline.recording.stretches import Stretch


@dataclass
class StretchResult:
    """One stretch, analysed (or why not)."""

    number: int
    stretch: Stretch
    start_frame: int
    stop_frame: int
    folder: Path | None
    clips: list[dict[str, Any]]
    error: str | None = None


class Checkpoint:
    """What a recording's run has done so far, kept in ``root`` for the same command to go
    on from: the scan's findings and each finished stretch. A checkpoint of another file
    or other settings is dropped."""

    def __init__(self, root: Path, *, key: str):
        self.root = Path(root)
        self.scan_path = self.root / "scan.npz"
        key_path = self.root / "key.txt"
        try:
            same = key_path.read_text(encoding="utf-8").strip() == key
        except OSError:
            same = False
        if not same:
            shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True, exist_ok=True)
        write_text_atomic(key_path, key + "\n")
        self.resumed = same

    def _done_path(self, number: int) -> Path:
        return self.root / f"stretch-{number:03d}" / "done.json"

    def done(self, number: int) -> bool:
        return self._done_path(number).is_file()

    def result(self, number: int) -> StretchResult | None:
        """The finished stretch ``number``, or ``None``."""
        try:
            data = json.loads(self._done_path(number).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        folder = self.root / f"stretch-{number:03d}" / "analysis"
        return StretchResult(
            number=number,
            stretch=Stretch(float(data["start_s"]), float(data["end_s"])),
            start_frame=int(data["start_frame"]),
            stop_frame=int(data["stop_frame"]),
            folder=folder if data.get("analysed") else None,
            clips=list(data.get("clips") or []),
            error=data.get("error"),
        )

    def finish(self, result: StretchResult) -> None:
        """Record stretch ``result`` as finished (written last: a stretch half done is
        done again)."""
        data = {
            "start_s": result.stretch.start_s,
            "end_s": result.stretch.end_s,
            "start_frame": result.start_frame,
            "stop_frame": result.stop_frame,
            "analysed": result.folder is not None,
            "clips": result.clips,
            "error": result.error,
        }
        write_text_atomic(self._done_path(result.number), json.dumps(data) + "\n")

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

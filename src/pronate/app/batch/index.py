"""The batch's memory of what it already did: ``OUTDIR/batch-index.json``.

Each entry maps a clip's content (SHA-256 of the file) and the settings of its analysis
to the folder holding that analysis; a clip with the same content and settings is not
analysed again (also when renamed or moved, or a copy of another clip): see
:mod:`pronate.app.reuse`.
"""

from __future__ import annotations

import json
from pathlib import Path

from pronate.app.reuse import complete
from pronate.io.atomic import write_text_atomic

INDEX_NAME = "batch-index.json"
VERSION = 1


class BatchIndex:
    """``{content and settings key: [folder names]}`` of the analyses done in OUTDIR."""

    def __init__(self, outdir: Path):
        self.path = Path(outdir) / INDEX_NAME
        self.done: dict[str, list[str]] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # none yet, or unreadable: everything is analysed again
        if isinstance(data, dict) and data.get("version") == VERSION:
            done = data.get("done") or {}
            self.done = {
                str(k): [str(f) for f in v] for k, v in done.items() if isinstance(v, list)
            }

    @staticmethod
    def key(sha256: str, settings: str) -> str:
        """The entry of a content hash analysed with ``settings`` (a canonical string)."""
        return f"{sha256}:{settings}"

    def folders(self, key: str) -> list[Path]:
        """The folders holding a finished analysis of ``key`` (still complete)."""
        return complete(self.path.parent / name for name in self.done.get(key, []))

    def record(self, key: str, folder: str) -> None:
        """Remember that ``folder`` (and no longer any other analysis) holds ``key``'s."""
        self.done = {k: [f for f in v if f != folder] for k, v in self.done.items()}
        self.done = {k: v for k, v in self.done.items() if v}
        self.done.setdefault(key, []).append(folder)

    def save(self) -> None:
        """Write the index (atomically)."""
        data = {"version": VERSION, "done": dict(sorted(self.done.items()))}
        write_text_atomic(self.path, json.dumps(data, indent=1) + "\n")

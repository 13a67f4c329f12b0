"""Files of the workspace, named only by content hash and database ids.

Layout of the data folder::

    clips/ab/<sha256>        uploaded videos, one file per distinct content
    analyses/job-<id>/       the outputs of job ``id`` (``summary.json``, ``overlay.mp4``, ...)
    tmp/                     uploads being received (renamed into ``clips/`` when complete)

No user input ever becomes part of a path.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SHA256 = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20


class UploadTooLargeError(Exception):
    """The upload is larger than the limit."""


@dataclass(frozen=True)
class Received:
    """An upload written to a temporary file, with its hash and size."""

    path: Path
    sha256: str
    size: int


class Blobs:
    """The files of one workspace data folder.

    Parameters
    ----------
    root
        The data folder (created when missing).
    """

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        for sub in ("clips", "analyses", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def clip_path(self, sha256: str) -> Path:
        """Where the clip of this hash is stored."""
        if not SHA256.match(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / "clips" / sha256[:2] / sha256

    def analysis_dir(self, job_id: int) -> Path:
        """The folder of the outputs of job ``job_id``."""
        return self.root / "analyses" / f"job-{int(job_id)}"

    def receive(self, chunks: Iterable[bytes], *, max_bytes: int) -> Received:
        """Write ``chunks`` into a temporary file, hashing them.

        Raises
        ------
        UploadTooLargeError
            As soon as more than ``max_bytes`` arrived (the partial file is removed).
        """
        digest = hashlib.sha256()
        size = 0
        fd, name = tempfile.mkstemp(prefix="upload-", dir=self.root / "tmp")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise UploadTooLargeError(f"the upload is larger than {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return Received(path=tmp, sha256=digest.hexdigest(), size=size)

    def keep(self, received: Received) -> Path:
        """Move a received upload to its place by hash (atomic rename); a clip already
        stored with the same content is kept and the new copy dropped."""
        target = self.clip_path(received.sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            received.path.unlink(missing_ok=True)
        else:
            os.replace(received.path, target)
        return target

    def discard(self, received: Received) -> None:
        """Remove a received upload that was refused."""
        received.path.unlink(missing_ok=True)

    def remove_clip(self, sha256: str) -> None:
        """Delete the stored clip of this hash (when no other clip uses it)."""
        self.clip_path(sha256).unlink(missing_ok=True)

    def remove_analysis(self, job_id: int) -> None:
        """Delete the outputs of job ``job_id``."""
        shutil.rmtree(self.analysis_dir(job_id), ignore_errors=True)

    def inside(self, folder: Path, name: str) -> Path | None:
        """``folder / name`` if it is a file inside ``folder``, else ``None``."""
        folder = folder.resolve()
        candidate = (folder / name).resolve()
        if not candidate.is_relative_to(folder) or not candidate.is_file():
            return None
        return candidate

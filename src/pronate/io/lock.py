"""One run per output folder: a lock file holding the owner's process id.

The lock is ``OUTDIR/.pronate.lock``, held with ``flock`` while the run lasts and removed
when it ends. A second run into the same folder is refused in one line naming the owner;
the lock of a run that died (its process is gone, so is its ``flock``) is taken over.
Where the file system has no ``flock``, the recorded process id decides: a lock whose
process is alive is in use.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from pathlib import Path
from typing import Final

from pronate.errors import OutputError

LOCK_NAME: Final[str] = ".pronate.lock"


class FolderLock:
    """The lock of an output folder (:meth:`acquire`, :meth:`release`, or ``with``).

    Parameters
    ----------
    folder
        The output folder (it must exist).
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        """Take the lock.

        Raises
        ------
        OutputError
            When another live run holds it, or the lock file cannot be made.
        """
        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise OutputError(
                    f"cannot lock the output folder {self.folder}: {exc.strerror or exc}"
                ) from exc
            try:
                held = _flock(fd)
            except BaseException:
                os.close(fd)
                raise
            if not held:
                owner = _owner(fd)
                os.close(fd)
                raise OutputError(self._in_use(owner))
            if not _same_file(fd, self.path):  # removed by its last owner meanwhile
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            self._fd = fd
            return self
        raise OutputError(f"cannot lock the output folder {self.folder}: it keeps changing")

    def release(self) -> None:
        """Remove the lock file and let go of it (nothing when not held)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            if _same_file(fd, self.path):
                self.path.unlink()
        os.close(fd)

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _in_use(self, owner: int | None) -> str:
        who = f" (pid {owner})" if owner else ""
        return (
            f"{self.folder} is in use by another pronate run{who}; wait for it to end, "
            "or choose another output folder"
        )


def _flock(fd: int) -> bool:
    """Lock ``fd`` without waiting: ``True`` when held, ``False`` when another holds it.
    Without ``flock`` on the file system, the recorded owner decides."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
            raise
    owner = _owner(fd)
    return owner is None or owner == os.getpid() or not alive(owner)


def _owner(fd: int) -> int | None:
    """The process id written in the lock file, if any."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def alive(pid: int) -> bool:
    """Is process ``pid`` running (on this machine)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)

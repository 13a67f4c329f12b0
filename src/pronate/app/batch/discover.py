"""Which clips a batch holds: the videos under a folder, or the paths of a list file."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from pronate.errors import InputError

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp", ".mts"}
)
"""File name endings taken as videos when a folder is searched (case-insensitive)."""
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Clip:
    """One video of a batch.

    Attributes
    ----------
    path
        The video file (absolute).
    relative
        Its path relative to the batch folder (posix), the clip's name in the table.
    client
        The first folder level under the batch folder, ``""`` when the clip is at the top.
    folder
        Name of its output folder under OUTDIR (safe characters only, unique in the batch).
    """

    path: Path
    relative: str
    client: str
    folder: str


@dataclass
class Found:
    """The clips of a batch, and the files passed over (not videos)."""

    clips: list[Clip]
    ignored: list[str]


def find_clips(source: Path, *, exclude: Path | None = None) -> Found:
    """The clips of ``source``: a folder (searched recursively), one video, or a text file
    listing one video per line (blank lines and ``#`` comments skipped; relative paths are taken
    from the list's folder). Files under ``exclude`` (the batch's OUTDIR, whose overlays
    are videos too) and hidden files are passed over.

    Raises
    ------
    InputError
        When ``source`` does not exist or holds no video.
    """
    source = Path(source)
    if source.is_dir():
        root = source.resolve()
        skip = exclude.resolve() if exclude is not None else None
        files = sorted(
            p
            for p in root.rglob("*")
            if p.is_file() and not _hidden(p, root) and not (skip and p.is_relative_to(skip))
        )
        videos = [p for p in files if p.suffix.lower() in VIDEO_SUFFIXES]
        ignored = [p.relative_to(root).as_posix() for p in files if p not in set(videos)]
    elif source.is_file():
        root = source.resolve().parent
        single = source.suffix.lower() in VIDEO_SUFFIXES
        videos, ignored = [source.resolve()] if single else _listed(source, root), []
    else:
        raise InputError(f"{source} does not exist")
    if not videos:
        raise InputError(f"no video found in {source}")
    return Found(clips=_name_clips(videos, root), ignored=ignored)


def _hidden(path: Path, root: Path) -> bool:
    """A file or folder whose name starts with a dot (under ``root``)."""
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _listed(list_file: Path, root: Path) -> list[Path]:
    try:
        lines = list_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the list of videos {list_file}: {exc}") from None
    paths = []
    for line in lines:
        text = line.strip()
        if text and not text.startswith("#"):
            path = Path(text).expanduser()
            paths.append(path if path.is_absolute() else root / path)
    return list(dict.fromkeys(paths))


def _name_clips(videos: list[Path], root: Path) -> list[Clip]:
    clips: list[Clip] = []
    taken: set[str] = set()
    for path in videos:
        try:
            relative = path.relative_to(root).as_posix()
        except ValueError:  # listed from elsewhere
            relative = path.as_posix()
        parts = Path(relative).parts
        client = parts[0] if len(parts) > 1 and not Path(relative).is_absolute() else ""
        folder = safe_name(relative)
        if folder in taken:
            folder = f"{folder}-{hashlib.sha1(relative.encode()).hexdigest()[:6]}"
        taken.add(folder)
        clips.append(Clip(path=path, relative=relative, client=client, folder=folder))
    return clips


def safe_name(relative: str) -> str:
    """An output folder name for a clip's relative path: folders joined by ``__``, the
    file's ending dropped, anything but letters, digits, ``.``, ``_`` and ``-`` made ``_``.

    >>> safe_name("alice/week 1/squat.mp4")
    'alice__week_1__squat'
    """
    parts = [p for p in Path(relative).with_suffix("").parts if p not in ("/", "..", ".")]
    name = "__".join(_UNSAFE.sub("_", p).strip("._") or "_" for p in parts)
    return name[:150] or "clip"

"""Which clips a batch holds: the videos under a folder, or the paths of a list file."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
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
    """The clips of a batch, the files passed over (not videos), and the videos and
    folders skipped, each with why (under OUTDIR, hidden, a link followed already or
    leading nowhere)."""

    clips: list[Clip]
    ignored: list[str]
    skipped: list[str] = field(default_factory=list)


def find_clips(source: Path, *, exclude: Path | None = None) -> Found:
    """The clips of ``source``: a folder (searched recursively, through linked folders
    too, each folder once), one video, or a text file listing one video per line (blank
    lines and ``#`` comments skipped; relative paths are taken from the list's folder; a
    UTF-8 byte-order mark is fine). Files under ``exclude`` (the batch's OUTDIR, whose
    overlays are videos too) and hidden files are passed over; the videos and folders
    skipped are named in :attr:`Found.skipped`.

    Raises
    ------
    InputError
        When ``source`` does not exist or holds no video.
    """
    source = Path(source)
    skipped: list[str] = []
    if source.is_dir():
        root = source.resolve()
        files = _walk(
            root, exclude=exclude.resolve() if exclude is not None else None, said=skipped
        )
        videos = [p for p in files if p.suffix.lower() in VIDEO_SUFFIXES]
        ignored = [_relative(p, root) for p in files if p not in set(videos)]
    elif source.is_file():
        root = source.resolve().parent
        single = source.suffix.lower() in VIDEO_SUFFIXES
        videos, ignored = [source.resolve()] if single else _listed(source, root), []
    else:
        raise InputError(f"{source} does not exist")
    if not videos:
        raise InputError(
            f"no video found in {source}" + (f" ({'; '.join(skipped)})" if skipped else "")
        )
    return Found(clips=_name_clips(videos, root), ignored=ignored, skipped=skipped)


def _walk(root: Path, *, exclude: Path | None, said: list[str]) -> list[Path]:
    """The files under ``root``, through linked folders (each real folder once: no
    loops), but hidden ones and those under ``exclude``; what is skipped is said."""
    files: list[Path] = []
    seen: set[tuple[int, int]] = set()
    under_exclude = 0
    for top, dirs, names in os.walk(root, followlinks=True):
        here = Path(top)
        stat = here.stat()
        if (stat.st_dev, stat.st_ino) in seen:
            said.append(f"{_relative(here, root)}/ (a link to a folder already searched)")
            dirs[:] = []
            continue
        seen.add((stat.st_dev, stat.st_ino))
        if exclude is not None and here.resolve().is_relative_to(exclude):
            under_exclude += sum(p.suffix.lower() in VIDEO_SUFFIXES for p in here.rglob("*"))
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = here / name
            if name.startswith("."):
                if path.suffix.lower() in VIDEO_SUFFIXES:
                    said.append(f"{_relative(path, root)} (hidden)")
            elif not path.exists():
                said.append(f"{_relative(path, root)} (a link leading nowhere)")
            elif path.is_file():
                files.append(path)
    if under_exclude:
        said.append(f"{under_exclude} video(s) under the output folder {exclude}")
    return sorted(files, key=lambda p: _relative(p, root))


def _relative(path: Path, root: Path) -> str:
    """``path`` under ``root`` (posix), as found (links not resolved)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _listed(list_file: Path, root: Path) -> list[Path]:
    try:
        lines = list_file.read_text(encoding="utf-8-sig").splitlines()
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

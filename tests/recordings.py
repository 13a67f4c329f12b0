"""Long recordings of a coaching session, composed from the real clips of ``../shared/data``.

A recorded call is mostly talking: a head and shoulders, a shared slide, an empty room
while someone fetches a band; now and then the client's phone video is shown
pillar-boxed while they exercise. :func:`compose_recording` streams such a recording into
an H.264 MP4 (frames are made one at a time: memory stays flat whatever its length) and
returns where each part lies in it, so a test or the bench knows which stretches hold an
exercise. Reserved data (the balancing trial's cam02 and cam04, the multi-person and
batch demos) is never used.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from clips import SHARED_DATA
from scenes import DARK, frames_of

SIZE = (1280, 720)
TOOLBAR = 56
EXERCISES = {
    "squat": "frontal_squat/frontal_squat.mp4",
    "balance_front": "pose2sim_balancing/cam01.mp4",
    "balance_back": "pose2sim_balancing/cam03.mp4",
}
"""Exercise clips (never the reserved cam02 / cam04)."""


@dataclass(frozen=True)
class Part:
    """One part of a recording: ``kind`` is ``talk``, ``slide``, ``empty`` or an exercise
    of :data:`EXERCISES`; ``seconds`` its length (an exercise: its clip once, ``seconds``
    ignored)."""

    kind: str
    seconds: float = 0.0


@dataclass(frozen=True)
class Span:
    """Where a part lies in the composed recording (seconds, ``end_s`` excluded)."""

    kind: str
    start_s: float
    end_s: float

    @property
    def exercise(self) -> bool:
        return self.kind in EXERCISES


def _fit(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """``image`` scaled into ``box`` (x, y, w, h) of a dark canvas of :data:`SIZE`."""
    x, y, w, h = box
    canvas = np.full((SIZE[1], SIZE[0], 3), DARK, dtype=np.uint8)
    ih, iw = image.shape[:2]
    scale = min(w / iw, h / ih)
    size = (max(2, round(iw * scale)), max(2, round(ih * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ox, oy = x + (w - size[0]) // 2, y + (h - size[1]) // 2
    canvas[oy : oy + size[1], ox : ox + size[0]] = small
    return canvas


def _chrome(canvas: np.ndarray, index: int, fps: float) -> np.ndarray:
    """The call's toolbar and clock over a frame."""
    h, w = canvas.shape[:2]
    canvas[h - TOOLBAR :] = (24, 24, 26)
    for k, colour in enumerate(((90, 90, 95), (90, 90, 95), (90, 90, 95), (200, 50, 50))):
        cv2.circle(canvas, (w // 2 - 90 + 60 * k, h - TOOLBAR // 2), 16, colour, -1)
    s = int(index / fps)
    text = f"Coaching session  {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
    cv2.putText(canvas, text, (16, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (240, 240, 240), 1)
    return canvas


def _loop(images: Sequence[np.ndarray]) -> Iterator[np.ndarray]:
    """Forever, forward then backward (no jump at the seams)."""
    order = list(images) + list(images[-2:0:-1])
    while True:
        yield from order


def _crop_frames(path: Path, box: tuple[int, int, int, int], *, limit: int) -> list[np.ndarray]:
    x0, y0, x1, y1 = box
    out = []
    for i, image in enumerate(frames_of(path, fps=30.0)):
        if i >= limit:
            break
        out.append(_fit(image[y0:y1, x0:x1], (0, 0, SIZE[0], SIZE[1] - TOOLBAR)))
    return out


def talking_head(data: Path = SHARED_DATA) -> list[np.ndarray]:
    """Head and shoulders only: the squat clip's woman, standing (its first 0.8 s),
    cropped above the chest and filling the call's picture."""
    return _crop_frames(data / EXERCISES["squat"], (160, 380, 776, 726), limit=24)


def empty_room(data: Path = SHARED_DATA) -> list[np.ndarray]:
    """Nobody in view: the upper part of the back camera's room (windows, ceiling)."""
    return _crop_frames(data / EXERCISES["balance_back"], (0, 0, 700, 394), limit=24)


def slide(number: int) -> np.ndarray:
    """A shared slide: a title, bullet points and a chart."""
    canvas = np.full((SIZE[1], SIZE[0], 3), 250, dtype=np.uint8)
    cv2.rectangle(canvas, (0, 0), (SIZE[0], 90), (30, 70, 140), -1)
    title = f"Loading the knee well - part {number}"
    cv2.putText(canvas, title, (40, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.3, (255, 255, 255), 2)
    for k, line in enumerate(
        ("Pelvis over the standing foot", "Knee tracks over the toes", "Slow down, 3 s")
    ):
        y = 170 + 70 * k
        cv2.circle(canvas, (60, y - 10), 8, (30, 70, 140), -1)
        cv2.putText(canvas, line, (90, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (40, 40, 40), 2)
    for k, h in enumerate((120, 200, 160, 260, 90)):
        cv2.rectangle(canvas, (760 + 80 * k, 600 - h), (820 + 80 * k, 600), (60, 130, 200), -1)
    return canvas


def exercise(kind: str, data: Path = SHARED_DATA) -> Iterator[np.ndarray]:
    """The client's portrait phone clip, pillar-boxed in the call's picture, at 30 fps."""
    for image in frames_of(data / EXERCISES[kind], fps=30.0):
        yield _fit(image, (0, 0, SIZE[0], SIZE[1] - TOOLBAR))


def compose_recording(
    dst: Path,
    parts: Sequence[Part],
    *,
    fps: float = 30.0,
    crf: int = 26,
    data: Path = SHARED_DATA,
) -> list[Span]:
    """Write the recording of ``parts`` to ``dst`` (1280 x 720 H.264); where each part lies."""
    talk, room = talking_head(data), empty_room(data)
    spans: list[Span] = []
    index = 0
    with av.open(str(dst), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}

        def put(image: np.ndarray) -> None:
            nonlocal index
            frame = av.VideoFrame.from_ndarray(_chrome(image.copy(), index, fps), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
            index += 1

        slides = 0
        for part in parts:
            start = index
            if part.kind in EXERCISES:
                for image in exercise(part.kind, data):
                    put(image)
            else:
                n = round(part.seconds * fps)
                if part.kind == "slide":
                    slides += 1
                    source: Iterator[np.ndarray] = iter([slide(slides)] * n)
                else:
                    source = _loop(talk if part.kind == "talk" else room)
                for _ in range(n):
                    put(next(source))
            spans.append(Span(part.kind, start / fps, index / fps))
        for packet in stream.encode():
            out.mux(packet)
    return spans

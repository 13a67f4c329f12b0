"""Scenes composed from the real clips of ``../shared/data``, for tests and benches.

A coach's picture is rarely the clean phone clip: the client is small, the call window
has tiles, labels and a toolbar, the video is compressed hard and resampled to 30 fps,
the phone is rolled. Each function here writes such a variant of a real clip as an H.264
MP4 and returns the :class:`Placement` of the source picture in the new one, so a test
can carry reference keypoints (or the full-size analysis) into the composed picture.
Reserved data (the balancing trial's cam02 and cam04, the multi-person and batch demos)
is never used.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

DARK = (32, 33, 36)
"""The call window's background (a typical dark theme)."""


@dataclass(frozen=True)
class Placement:
    """Where a source picture lies in a composed one: ``p' = R(angle) (scale p) + offset``
    (pixels, y down, rotation counter-clockwise on screen about the source's centre)."""

    scale: float
    offset: tuple[float, float]
    angle_deg: float = 0.0
    source_size: tuple[int, int] = (0, 0)

    def apply(self, xy: np.ndarray) -> np.ndarray:
        """Source pixel positions (..., 2) in the composed picture."""
        xy = np.asarray(xy, dtype=np.float64) * self.scale
        if self.angle_deg:
            w, h = self.source_size[0] * self.scale, self.source_size[1] * self.scale
            centre = np.array([w / 2, h / 2])
            a = np.radians(self.angle_deg)
            rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
            xy = (xy - centre) @ rot.T + centre
        return xy + np.asarray(self.offset)


def frames_of(path: Path, *, fps: float | None = None) -> Iterator[np.ndarray]:
    """RGB frames of a clip, resampled to ``fps`` (nearest earlier frame) when given."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        next_t = 0.0
        for frame in container.decode(stream):
            t = float(frame.time or 0.0)
            if fps is not None:
                if t + 1e-6 < next_t:
                    continue
                next_t += 1.0 / fps
            yield frame.to_ndarray(format="rgb24")


def clip_rate(path: Path) -> float:
    """The clip's average frame rate."""
    with av.open(str(path)) as container:
        return float(container.streams.video[0].average_rate or 30)


def write_clip(path: Path, frames: Sequence[np.ndarray], *, fps: float, crf: int = 18) -> Path:
    """Encode RGB frames (even sizes) into an H.264 MP4 at constant ``fps``."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}
        for image in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _even(n: float) -> int:
    return max(2, round(n) // 2 * 2)


def scaled(src: Path, dst: Path, *, factor: float, crf: int = 18) -> Placement:
    """The clip shrunk (or grown) by ``factor``."""
    frames = list(frames_of(src))
    h, w = frames[0].shape[:2]
    size = (_even(w * factor), _even(h * factor))
    out = [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames]
    write_clip(dst, out, fps=clip_rate(src), crf=crf)
    return Placement(size[0] / w, (0.0, 0.0), source_size=(w, h))


def rotated(src: Path, dst: Path, *, angle_deg: float, crf: int = 18) -> Placement:
    """The clip turned counter-clockwise on screen by ``angle_deg`` (the frame grows to
    hold it: a phone held askew)."""
    frames = list(frames_of(src))
    h, w = frames[0].shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    c, s = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = _even(h * s + w * c), _even(h * c + w * s)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    out = [cv2.warpAffine(f, m, (nw, nh)) for f in frames]
    write_clip(dst, out, fps=clip_rate(src), crf=crf)
    return Placement(1.0, (nw / 2 - w / 2, nh / 2 - h / 2), angle_deg, (w, h))


@dataclass(frozen=True)
class CallLayout:
    """A video-call window: a main tile for the client, a corner tile for the self-view.

    The client's (portrait) video is fitted into the main tile and pillar-boxed; the
    self-view tile shows another clip (other people) in the lower right corner, above a
    toolbar; each tile has a name label.
    """

    size: tuple[int, int] = (1280, 720)
    main: tuple[int, int, int, int] = (400, 40, 480, 560)
    """The main tile (x, y, width, height)."""
    corner: tuple[int, int, int, int] = (1000, 470, 256, 144)
    toolbar_px: int = 64


def _fit(image: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, Placement]:
    x, y, w, h = box
    ih, iw = image.shape[:2]
    scale = min(w / iw, h / ih)
    size = (max(1, round(iw * scale)), max(1, round(ih * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ox, oy = x + (w - size[0]) // 2, y + (h - size[1]) // 2
    return small, Placement(size[0] / iw, (float(ox), float(oy)), source_size=(iw, ih))


def _label(canvas: np.ndarray, text: str, at: tuple[int, int]) -> None:
    x, y = at
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
    cv2.rectangle(canvas, (x, y - th - 6), (x + tw + 8, y + 4), (0, 0, 0), -1)
    cv2.putText(canvas, text, (x + 4, y), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (240, 240, 240), 1)


def call_window(
    client: Path,
    dst: Path,
    *,
    others: Path,
    layout: CallLayout = CallLayout(),
    fps: float = 30.0,
    crf: int = 32,
) -> Placement:
    """The client's clip as a coach records or shares a video call.

    Parameters
    ----------
    client
        The client's clip (shown in the main tile, pillar-boxed).
    others
        A clip of other people for the self-view tile (looped).
    layout
        Where the tiles are.
    fps, crf
        The call's frame rate (the client's clip is resampled) and compression.

    Returns
    -------
    Placement
        Where the client's picture lies in the window.
    """
    selfie = list(frames_of(others, fps=fps))
    out, placement = [], None
    w, h = layout.size
    for i, image in enumerate(frames_of(client, fps=fps)):
        canvas = np.full((h, w, 3), DARK, dtype=np.uint8)
        small, placement = _fit(image, layout.main)
        ox, oy = int(placement.offset[0]), int(placement.offset[1])
        canvas[oy : oy + small.shape[0], ox : ox + small.shape[1]] = small
        corner, where = _fit(selfie[i % len(selfie)], layout.corner)
        cx, cy = int(where.offset[0]), int(where.offset[1])
        canvas[cy : cy + corner.shape[0], cx : cx + corner.shape[1]] = corner
        _label(canvas, "Client", (ox + 8, oy + small.shape[0] - 10))
        _label(canvas, "You", (cx + 6, cy + corner.shape[0] - 8))
        bar = h - layout.toolbar_px
        canvas[bar:] = (24, 24, 26)
        for k, colour in enumerate(((90, 90, 95), (90, 90, 95), (90, 90, 95), (200, 50, 50))):
            cv2.circle(canvas, (w // 2 - 90 + 60 * k, bar + layout.toolbar_px // 2), 18, colour, -1)
        _label(canvas, "Coaching session  00:12:4" + str(i // 30 % 10), (16, 28))
        out.append(canvas)
    write_clip(dst, out, fps=fps, crf=crf)
    assert placement is not None
    return placement


def verdicts_agree(full: dict[str, Any], copy: dict[str, Any]) -> bool:
    """Whether a copy's moment says what the full-size moment says: the same verdict, or
    ``uncertain`` with the full-size verdict among its likely ones; when the full size is
    itself ``uncertain``, the copy names one of its likely verdicts or stays uncertain."""
    if copy["verdict"] == full["verdict"]:
        return True
    likely = {x["verdict"] for x in copy.get("likely", [])}
    if copy["verdict"] == "uncertain" and full["verdict"] in likely:
        return True
    full_likely = {x["verdict"] for x in full.get("likely", [])} or {full["verdict"]}
    return full["verdict"] == "uncertain" and (copy["verdict"] in full_likely | {"uncertain"})

"""Cut a stretch of a recording into a clip of its own, losslessly.

The frames are decoded as the tracking decodes them (:func:`pronate.io.video.iter_frames`:
upright, square pixels, RGB) and encoded with x264's lossless RGB mode, so the clip
decodes to exactly the pictures the tracking would have seen in the recording: the
stretch analysed from this clip *is* the stretch cut out and analysed on its own. The
same function cuts the moments' overlay clips (lossy, small) from a stretch's overlay.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from pronate.io.atomic import atomic_path
from pronate.io.video import iter_frames, prefetch


def cut_clip(
    video: Path,
    dst: Path,
    *,
    start: int,
    stop: int,
    fps: float,
    lossless: bool = True,
    max_width: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write frames ``[start, stop)`` of ``video`` into ``dst`` (an MP4) at a constant
    ``fps``; the number of frames written.

    ``lossless`` keeps every pixel (x264 RGB, qp 0); otherwise H.264 yuv420p (crf 23),
    scaled down to ``max_width`` when given.
    """
    import cv2

    written = 0
    with atomic_path(Path(dst)) as tmp, av.open(str(tmp), "w", format="mp4") as out:
        stream = None
        frames = prefetch(iter_frames(Path(video), start=start, stop=stop))
        try:
            for frame in frames:
                image = frame.image
                if stream is None:
                    h, w = image.shape[:2]
                    if not lossless and max_width and w > max_width:
                        h, w = round(h * max_width / w) // 2 * 2, max_width
                    h, w = h // 2 * 2 if not lossless else h, w // 2 * 2 if not lossless else w
                    rate = Fraction(fps).limit_denominator(1001)
                    stream = out.add_stream("libx264rgb" if lossless else "libx264", rate=rate)
                    stream.width, stream.height = w, h
                    stream.pix_fmt = "rgb24" if lossless else "yuv420p"
                    stream.options = (
                        {"qp": "0", "preset": "ultrafast"}
                        if lossless
                        else {"crf": "23", "preset": "veryfast"}
                    )
                if image.shape[1] != stream.width or image.shape[0] != stream.height:
                    image = cv2.resize(
                        image, (stream.width, stream.height), interpolation=cv2.INTER_AREA
                    )
                picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
                picture.pts = written
                for packet in stream.encode(picture):
                    out.mux(packet)
                written += 1
                if progress is not None:
                    progress(1)
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()
        if stream is not None:
            for packet in stream.encode():
                out.mux(packet)
    return written

"""The annotated video's writer: RGB frames to a browser-playable H.264 MP4, atomically,
with colour conversion and encoding in writer threads."""

from __future__ import annotations

import contextlib
import queue
import threading
from pathlib import Path
from types import TracebackType

import av
import cv2
import numpy as np

from pronate.errors import OutputError
from pronate.io.atomic import atomic_path
from pronate.io.video import VIDEO_ERRORS, error_reason

_AVCOL_BT709 = 1  # AVCOL_PRI/TRC/SPC_BT709
_AVCOL_RANGE_MPEG = 1  # limited (TV) range
_DONE = object()


def _bt709_matrix() -> np.ndarray:
    """RGB (0-255) to limited-range Y'CbCr of ITU-R BT.709, as a 3x4 affine matrix."""
    kr, kb = 0.2126, 0.0722
    luma = np.array([kr, 1.0 - kr - kb, kb])
    m = np.zeros((3, 4))
    m[0, :3], m[0, 3] = 219.0 / 255.0 * luma, 16.0
    m[1, :3], m[1, 3] = 224.0 / 255.0 * (np.array([0.0, 0.0, 1.0]) - luma) / (2 * (1 - kb)), 128.0
    m[2, :3], m[2, 3] = 224.0 / 255.0 * (np.array([1.0, 0.0, 0.0]) - luma) / (2 * (1 - kr)), 128.0
    return m


_BT709 = _bt709_matrix()


def rgb_to_yuv420_bt709(image: np.ndarray) -> av.VideoFrame:
    """An RGB ``uint8`` image of even size as a ``yuv420p`` frame, BT.709 limited range.

    Chroma is the mean of each 2x2 block. OpenCV does the arithmetic (and lets go of the
    GIL): on a phone frame this takes half the time of PyAV's ``from_ndarray`` and
    ``reformat``, whose result it matches to 1 level of luma.
    """
    h, w = image.shape[:2]
    ycc = cv2.transform(image, _BT709)
    half = (w // 2, h // 2)
    planes = (
        ycc[..., 0].reshape(-1),
        cv2.resize(ycc[..., 1], half, interpolation=cv2.INTER_AREA).reshape(-1),
        cv2.resize(ycc[..., 2], half, interpolation=cv2.INTER_AREA).reshape(-1),
    )
    yuv = np.concatenate(planes).astype(np.uint8, copy=False).reshape(h * 3 // 2, w)
    return av.VideoFrame.from_ndarray(yuv, format="yuv420p")


class VideoSink:
    """Write RGB frames to an H.264 MP4 atomically (temp file, renamed on close).

    Use as a context manager; ``write(image)`` appends a frame. The file plays in browsers
    (H.264 High, yuv420p, even dimensions, ``+faststart``).

    With ``background`` (the default) the colour conversion and the encoding run in two
    writer threads, one after the other, so the caller prepares the next frame meanwhile
    (both release the GIL); at most ``depth`` frames wait at each step. ``write`` copies
    the image (a plain copy; the conversion is the writer's), so the caller may reuse its
    buffer. An encoding error is raised by a later ``write`` or on close.
    """

    def __init__(
        self,
        path: Path,
        *,
        fps: float,
        width: int,
        height: int,
        crf: int = 23,
        background: bool = True,
        depth: int = 4,
    ):
        self.path = Path(path)
        self.fps = float(fps)
        self.width = width - width % 2
        self.height = height - height % 2
        self.crf = crf
        self._stack = contextlib.ExitStack()
        self._container: av.container.OutputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None
        self._queue: queue.Queue[object] | None = (
            queue.Queue(maxsize=max(1, depth)) if background else None
        )
        self._converted: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
        self._threads: list[threading.Thread] = []
        self._error: BaseException | None = None

    def __enter__(self) -> VideoSink:
        tmp = self._stack.enter_context(atomic_path(self.path))
        try:
            self._container = av.open(
                str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"}
            )
        except VIDEO_ERRORS as exc:
            self._stack.close()
            raise OutputError(f"cannot write {self.path}: {error_reason(exc)}") from exc
        try:
            self._stream = self._add_stream(self._container)
        except VIDEO_ERRORS as exc:
            self._container.close()
            self._stack.close()
            raise OutputError(f"cannot write {self.path}: {error_reason(exc)}") from exc
        if self._queue is not None:
            self._threads = [
                threading.Thread(target=self._convert_work, name="pronate-convert", daemon=True),
                threading.Thread(target=self._encode_work, name="pronate-encode", daemon=True),
            ]
            for thread in self._threads:
                thread.start()
        return self

    def _add_stream(self, container: av.container.OutputContainer) -> av.video.stream.VideoStream:
        from fractions import Fraction

        stream = container.add_stream("libx264", rate=Fraction(self.fps).limit_denominator(1001))
        stream.width = self.width
        stream.height = self.height
        stream.pix_fmt = "yuv420p"
        # superfast, not veryfast: on the 540-frame sample the overlay takes 6.6 s instead
        # of 9.6 s on 2 cores, for a file twice as large (3.7 MB, still below the phone's
        # own 4.9 MB) at the same crf.
        stream.options = {"crf": str(self.crf), "preset": "superfast"}
        # Tag the stream BT.709, limited range, and convert with that matrix (see write):
        # untagged streams are read as BT.601 or BT.709 depending on the player and the
        # frame size (Chromium: BT.709 for HD), which shifted colours.
        context = stream.codec_context
        context.colorspace = _AVCOL_BT709
        context.color_primaries = _AVCOL_BT709
        context.color_trc = _AVCOL_BT709
        context.color_range = _AVCOL_RANGE_MPEG
        return stream

    def write(self, image: np.ndarray) -> None:
        """Encode one RGB frame (cropped to even size if needed)."""
        assert self._container is not None and self._stream is not None
        self._raise_failure()
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"frames must be RGB uint8 (H, W, 3), got {image.dtype} {image.shape}")
        rgb = np.array(image[: self.height, : self.width], order="C")
        if self._queue is None:
            self._encode(rgb)
            return
        while True:
            try:
                self._queue.put(rgb, timeout=0.1)
                return
            except queue.Full:
                self._raise_failure()

    @staticmethod
    def _convert(rgb: np.ndarray) -> av.VideoFrame:
        """RGB to the stream's BT.709 yuv420p."""
        return rgb_to_yuv420_bt709(rgb)

    def _encode(self, rgb: np.ndarray | None) -> None:
        """Convert and encode one frame (``None``: flush the encoder) and mux the packets."""
        self._encode_yuv(None if rgb is None else self._convert(rgb))

    def _encode_yuv(self, frame: av.VideoFrame | None) -> None:
        """Encode one converted frame (``None``: flush the encoder) and mux the packets."""
        assert self._container is not None and self._stream is not None
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except VIDEO_ERRORS as exc:
            raise OutputError(f"cannot write {self.path}: {error_reason(exc)}") from exc

    def _convert_work(self) -> None:
        """First writer thread: colour conversion, handed on to :meth:`_encode_work`."""
        assert self._queue is not None
        while True:
            item = self._queue.get()
            if item is _DONE:
                self._converted.put(_DONE)
                return
            if self._error is not None:
                continue  # failed: drain what the caller still hands over
            try:
                assert isinstance(item, np.ndarray)
                self._converted.put(self._convert(item))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                self._error = exc

    def _encode_work(self) -> None:
        """Second writer thread: encoding and muxing."""
        while True:
            item = self._converted.get()
            if item is _DONE:
                return
            if self._error is not None:
                continue
            try:
                assert isinstance(item, av.VideoFrame)
                self._encode_yuv(item)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                self._error = exc

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def _stop_worker(self) -> None:
        """Let the writer threads finish what is queued, then end them."""
        if not self._threads or self._queue is None:
            return
        while self._threads[0].is_alive():
            try:
                self._queue.put(_DONE, timeout=0.1)
                break
            except queue.Full:
                continue
        for thread in self._threads:
            thread.join()
        self._threads = []

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop_worker()
        failure = exc if exc_type is not None else self._error
        if failure is None:
            try:
                self._encode(None)  # flush the encoder
            except OutputError as err:
                failure = err
        try:
            if self._container is not None:
                self._container.close()
        except VIDEO_ERRORS as err:
            if failure is None:
                failure = OutputError(f"cannot write {self.path}: {error_reason(err)}")
        if failure is None:
            self._stack.__exit__(None, None, None)  # renamed into place
            return
        self._stack.__exit__(type(failure), failure, failure.__traceback__)  # removed
        if exc_type is None:
            raise failure

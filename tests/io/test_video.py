"""Video reading: rotation metadata, real timestamps, truncated and bad files."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from pronate.errors import InputError
from pronate.io.sink import VideoSink
from pronate.io.video import (
    DecodeReport,
    VideoInfo,
    clockwise_rotation,
    iter_frames,
    prefetch,
    probe_video,
    truncation_warning,
    upright,
)

W, H = 64, 48


def marked_frames(n: int, *, w: int = W, h: int = H) -> list[np.ndarray]:
    """Grey frames with a white square in the top-left corner."""
    frames = []
    for _ in range(n):
        img = np.full((h, w, 3), 60, np.uint8)
        img[:16, :16] = 255
        frames.append(img)
    return frames


def noisy_frames(n: int, *, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 255, (H * 2, W * 2, 3), dtype=np.uint8) for _ in range(n)]


def bright_corner(image: np.ndarray) -> str:
    """Which corner holds the white square: 'tl', 'tr', 'bl' or 'br'."""
    h, w = image.shape[:2]
    corners = {
        "tl": image[: h // 4, : w // 4],
        "tr": image[: h // 4, -w // 4 :],
        "bl": image[-h // 4 :, : w // 4],
        "br": image[-h // 4 :, -w // 4 :],
    }
    return max(corners, key=lambda k: float(corners[k].mean()))


@pytest.mark.parametrize(
    ("display_rotation", "clockwise", "corner"),
    [(0, 0, "tl"), (-90, 90, "tr"), (180, 180, "br"), (90, 270, "bl")],
)
def test_rotation_metadata_gives_upright_frames(make_clip, display_rotation, clockwise, corner):
    path = make_clip("rot.mp4", marked_frames(5), display_rotation=display_rotation)
    info = probe_video(path)
    assert info.rotation_deg == clockwise
    upright_w, upright_h = (H, W) if clockwise in (90, 270) else (W, H)
    assert (info.width, info.height) == (upright_w, upright_h)
    frames = list(iter_frames(path))
    assert len(frames) == 5
    assert frames[0].image.shape == (upright_h, upright_w, 3)
    assert bright_corner(frames[0].image) == corner


def test_clockwise_rotation_of_ffmpeg_display_angles():
    # FFmpeg's display rotation is counter-clockwise; phones tag portrait video -90.
    assert clockwise_rotation(-90.0) == 90
    assert clockwise_rotation(90.0) == 270
    assert clockwise_rotation(180.0) == 180
    assert clockwise_rotation(-180.0) == 180
    assert clockwise_rotation(0.0) == 0


def test_upright_rotates_clockwise():
    img = np.zeros((2, 3), np.uint8)
    img[0, 0] = 1  # top-left
    out = upright(img, rotation_deg=90)
    assert out.shape == (3, 2)
    assert out[0, 1] == 1  # top-left goes to top-right under a clockwise quarter turn


def test_variable_frame_rate_keeps_real_timestamps(make_clip):
    times = [0.0, 0.033, 0.050, 0.100, 0.117, 0.200, 0.233, 0.300]
    path = make_clip("vfr.mp4", marked_frames(len(times)), fps=30.0, times_s=times)
    frames = list(iter_frames(path))
    got = [f.time_s for f in frames]
    np.testing.assert_allclose(got, times, atol=1e-3)
    assert [f.index for f in frames] == list(range(len(times)))


def test_fps_is_a_float(make_clip):
    path = make_clip("ntsc.mp4", marked_frames(4), fps=30000 / 1001)
    info = probe_video(path)
    assert isinstance(info.fps, float)
    assert info.fps == pytest.approx(29.97, abs=0.01)


def test_truncated_file_keeps_decoded_frames_and_warns(make_clip, tmp_path):
    path = make_clip("full.mp4", noisy_frames(30))
    data = path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.7)])
    report = DecodeReport()
    frames = list(iter_frames(cut, report=report))
    assert 0 < len(frames) < 30
    assert report.frames == len(frames)
    assert any("truncated" in w for w in report.warnings)


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        probe_video(tmp_path / "nope.mp4")


@pytest.mark.parametrize("content", [b"", b"this is not a video\n" * 50])
def test_not_a_video_is_a_clear_error(tmp_path, content):
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    with pytest.raises(InputError):
        probe_video(path)
    with pytest.raises(InputError):
        list(iter_frames(path))


def test_video_without_frames_is_a_clear_error(make_clip, tmp_path):
    path = make_clip("one.mp4", marked_frames(10))
    data = path.read_bytes()
    head = tmp_path / "head.mp4"
    head.write_bytes(data[:1200])  # header only
    with pytest.raises(InputError):
        list(iter_frames(head))


def test_prefetch_yields_the_same_frames(make_clip):
    path = make_clip("p.mp4", noisy_frames(12))
    direct = [(f.index, f.time_s, f.image.sum()) for f in iter_frames(path)]
    ahead = [(f.index, f.time_s, f.image.sum()) for f in prefetch(iter_frames(path), depth=2)]
    assert direct == ahead


def test_prefetch_reraises_decoder_errors(tmp_path):
    def broken():
        yield from ()
        raise InputError("boom")

    with pytest.raises(InputError, match="boom"):
        list(prefetch(broken()))


def test_sink_writes_a_playable_h264_with_same_count_and_rate(tmp_path):
    out = tmp_path / "o.mp4"
    with VideoSink(out, fps=25.0, width=W + 1, height=H) as sink:
        for img in marked_frames(9, w=W + 1):
            sink.write(img)
    info = probe_video(out)
    assert info.codec == "h264"
    assert info.fps == pytest.approx(25.0)
    assert (info.width, info.height) == (W, H)  # odd width trimmed to even
    assert len(list(iter_frames(out))) == 9
    assert [p.name for p in tmp_path.iterdir()] == ["o.mp4"]  # no temp file left


def test_sink_leaves_no_file_when_writing_fails(tmp_path):
    out = tmp_path / "o.mp4"
    with pytest.raises(RuntimeError), VideoSink(out, fps=25.0, width=W, height=H) as sink:
        sink.write(marked_frames(1)[0])
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []


def test_frame_count_read_back_matches(make_clip):
    path: Path = make_clip("n.mp4", marked_frames(17))
    assert probe_video(path).n_frames == 17
    assert sum(1 for _ in iter_frames(path)) == 17


def test_background_sink_writes_what_the_foreground_one_writes(tmp_path):
    """The writer thread changes when frames are encoded, not what is encoded; the
    caller may reuse its buffer as soon as ``write`` returns."""
    frames = noisy_frames(12, seed=3)
    paths = {}
    for background in (False, True):
        paths[background] = tmp_path / f"bg{int(background)}.mp4"
        buffer = np.empty_like(frames[0])
        with VideoSink(
            paths[background], fps=30.0, width=2 * W, height=2 * H, background=background, depth=2
        ) as sink:
            for img in frames:
                buffer[:] = img
                sink.write(buffer)
                buffer[:] = 0  # overwritten at once: the sink must have copied
    a, b = ([f.image for f in iter_frames(paths[bg])] for bg in (False, True))
    assert len(a) == len(b) == 12
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bg0.mp4", "bg1.mp4"]


def test_an_encoding_error_in_the_writer_thread_reaches_the_caller(tmp_path, monkeypatch):
    from pronate.errors import OutputError

    calls = {"n": 0}
    original = VideoSink._encode_yuv

    def failing(self, frame):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OutputError("cannot write o.mp4: disk full")
        original(self, frame)

    monkeypatch.setattr(VideoSink, "_encode_yuv", failing)
    out = tmp_path / "o.mp4"
    with (
        pytest.raises(OutputError, match="disk full"),
        VideoSink(out, fps=25.0, width=W, height=H) as sink,
    ):
        for img in marked_frames(40):
            sink.write(img)
    assert list(tmp_path.iterdir()) == []


def _info(*, n_frames: int, duration_s: float, fps: float = 30.0) -> VideoInfo:
    return VideoInfo(
        path=Path("clip.mp4"),
        width=64,
        height=48,
        fps=fps,
        n_frames=n_frames,
        rotation_deg=0,
        codec="h264",
        duration_s=duration_s,
    )


def test_truncation_warning_compares_decoded_with_the_header():
    """Issue 9: a clip cut to 30 % of its bytes with its index at the front decoded 169 of
    540 frames without a word."""
    text = truncation_warning(_info(n_frames=540, duration_s=9.0), frames=169, duration_s=2.8)
    assert text is not None and "truncated" in text and "540 frames" in text and "169" in text
    assert (
        truncation_warning(_info(n_frames=540, duration_s=9.0), frames=539, duration_s=8.98) is None
    )
    # no frame count in the header: the duration still tells
    assert truncation_warning(_info(n_frames=0, duration_s=9.0), frames=169, duration_s=2.8)
    assert truncation_warning(_info(n_frames=0, duration_s=0.0), frames=5, duration_s=0.2) is None


def test_probe_reads_the_declared_duration(make_clip):
    frames = [np.full((48, 64, 3), 10 * i, np.uint8) for i in range(15)]
    info = probe_video(make_clip("a.mp4", frames, fps=30.0))
    assert info.n_frames == 15
    assert info.duration_s == pytest.approx(0.5, abs=0.04)


def test_empty_and_sound_only_files_are_named(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="is empty"):
        probe_video(empty)
    sound = tmp_path / "sound.m4a"
    with av.open(str(sound), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000)
        for k in range(10):
            samples = np.zeros((1, 1024), np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 16000, k * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with pytest.raises(InputError, match="only sound"):
        probe_video(sound)


@pytest.mark.parametrize(
    ("fmt", "codec", "suffix"), [("webm", "libvpx", ".webm"), ("matroska", "libx264", ".mkv")]
)
def test_a_recorders_millisecond_clock_is_not_its_frame_rate(tmp_path, fmt, codec, suffix):
    """A browser's MediaRecorder WebM declares 1000 fps (its millisecond time base); the
    rate is then read from the timestamps: 30 frames a second, jittered by a millisecond."""
    from fractions import Fraction

    path = tmp_path / f"recording{suffix}"
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=1000)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for i, image in enumerate(marked_frames(45)):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = round(i * 1000 / 30) + i % 2, Fraction(1, 1000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with av.open(str(path)) as check:
        assert float(check.streams.video[0].average_rate) == 1000  # what the file declares
    assert probe_video(path).fps == pytest.approx(30.0, abs=0.1)


def test_bt709_conversion_matches_pyav(shared_data):
    """The sink's own RGB -> yuv420p BT.709 conversion gives PyAV's (swscale's) result:
    luma within 1 level, chroma within half a level on average (2x2 means vs swscale's
    filter differ a little at sharp colour edges), on a phone frame and on flat patches."""
    from av.video.reformatter import Colorspace

    from pronate.io.sink import rgb_to_yuv420_bt709

    clip = shared_data / "frontal_squat" / "frontal_squat.mp4"
    rng = np.random.default_rng(0)
    patches = np.kron(rng.integers(0, 256, (6, 8, 3)), np.ones((8, 8, 1)))
    image = np.ascontiguousarray(next(iter_frames(clip)).image[:1590, :892])
    for picture in (image, np.ascontiguousarray(patches, dtype=np.uint8)):
        h, w = picture.shape[:2]
        ours = rgb_to_yuv420_bt709(picture).to_ndarray().astype(int)
        theirs = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(
            format="yuv420p", dst_colorspace=Colorspace.ITU709
        )
        ref = theirs.to_ndarray().astype(int)
        assert ours.shape == ref.shape == (h * 3 // 2, w)
        assert np.abs(ours[:h] - ref[:h]).max() <= 1
        planes = (h // 2, w // 2)
        chroma = np.abs(ours[h:] - ref[h:]).reshape(2, *planes)  # U, V
        if picture is image:
            assert chroma.mean() <= 0.5
        else:  # inside the patches (4x4 chroma samples each), away from their edges
            rows, cols = np.indices(planes)
            inner = np.isin(rows % 4, (1, 2)) & np.isin(cols % 4, (1, 2))
            assert chroma[:, inner].max() <= 1


def test_sink_refuses_a_frame_that_is_not_rgb_uint8(tmp_path):
    with (
        pytest.raises(ValueError, match="RGB uint8"),
        VideoSink(tmp_path / "o.mp4", fps=25.0, width=W, height=H) as sink,
    ):
        sink.write(np.zeros((H, W), np.uint8))
    assert list(tmp_path.iterdir()) == []

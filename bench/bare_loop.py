"""The bare loop pronate is measured against: decode + PoseLandmarker, nothing else.

One process, one landmarker in VIDEO mode on the full frame (as MediaPipe's own examples
run it), PyAV decoding with FFmpeg's default threading. No crop, no subject tracking,
no clean-up, no output. Prints one JSON line::

    {"frames": ..., "detected": ..., "setup_s": ..., "loop_s": ..., "loop_fps": ...}

Usage: ``python bench/bare_loop.py --model heavy VIDEO``.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    """Run the loop on the video named on the command line and print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video")
    parser.add_argument("--model", default="heavy", choices=("lite", "full", "heavy"))
    args = parser.parse_args()

    t0 = time.perf_counter()
    import av
    import mediapipe as mp
    import numpy as np
    from mediapipe.tasks.python import BaseOptions, vision

    from pronate.pose.models import model_path

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path(args.model))),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    landmarker = vision.PoseLandmarker.create_from_options(options)
    t1 = time.perf_counter()
    frames = detected = 0
    last_ms = -1
    with av.open(args.video) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            # PyAV pads image rows; MediaPipe needs a contiguous buffer (else: garbage).
            image = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
            ms = max(round((frame.time or 0.0) * 1000.0), last_ms + 1)
            last_ms = ms
            result = landmarker.detect_for_video(
                mp.Image(image_format=mp.ImageFormat.SRGB, data=image), ms
            )
            frames += 1
            detected += bool(result.pose_landmarks)
    t2 = time.perf_counter()
    landmarker.close()
    loop_s = t2 - t1
    print(
        json.dumps(
            {
                "frames": frames,
                "detected": detected,
                "setup_s": round(t1 - t0, 3),
                "loop_s": round(loop_s, 3),
                "loop_fps": round(frames / loop_s, 2) if loop_s > 0 else None,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()

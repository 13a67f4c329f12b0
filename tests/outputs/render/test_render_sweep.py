"""Body boxes swept over a window longer than the clip (a MediaRecorder WebM says 1000 fps:
the window then spans thousands of frames)."""

from __future__ import annotations

import numpy as np

from pronate.outputs.render.boxes import sweep_boxes


def test_a_window_longer_than_the_clip_sweeps_the_whole_clip() -> None:
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 100, size=(5, 3, 2))
    parts = np.concatenate([xy, xy + 10], axis=2)
    whole = sweep_boxes(parts, half_window=4)
    np.testing.assert_array_equal(sweep_boxes(parts, half_window=500), whole)
    np.testing.assert_array_equal(whole[:, :, :2], np.broadcast_to(xy.min(axis=0), xy.shape))

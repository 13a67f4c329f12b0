"""A click on the client in live mode: the ``pick`` message of the WebSocket (with a
stand-in analyser), and the live detector following the clicked person on a real scene of
two people side by side (the taller one is read until the click)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_live_ws import Slow, app_for, frame, until  # noqa: F401 - the fixture

from pronate.app.live.follow import Follower


class Picky(Slow):
    """A stand-in analyser that records the clicks."""

    def __init__(self) -> None:
        super().__init__(delay=0.0)
        self.picks: list[tuple[float, float] | None] = []

    def pick(self, point: tuple[float, float] | None) -> None:
        self.picks.append(point)

    @property
    def picked(self) -> bool | None:
        return True if self.picks and self.picks[-1] is not None else None


def test_a_pick_message_reaches_the_analyser_before_the_next_frame(app_for: Any) -> None:  # noqa: F811
    analyser = Picky()
    client = app_for(analyser)
    with client.websocket_connect("/ws/live?model=lite") as socket:
        socket.receive_json()
        socket.send_json({"type": "pick", "x": 20, "y": 30.5})
        frame(socket, ident=1, t=100.0)
        out = until(socket, "frame")
        assert out["picked"] is True
        socket.send_json({"type": "pick", "x": -1, "y": 3})
        assert "pick" in until(socket, "error")["message"]
        socket.send_json({"type": "pick"})
        frame(socket, ident=2, t=200.0)
        until(socket, "frame")
    assert analyser.picks == [(20.0, 30.5), None]


@pytest.mark.shared
@pytest.mark.model
def test_the_live_detector_follows_the_person_clicked_on() -> None:
    import crowd
    from following import following
    from scenes import frames_of

    scene = crowd.side_by_side()
    frames = list(frames_of(scene.path))[:40]
    follower = Follower("full", min_confidence=0.5)
    try:
        n = len(frames)
        position, confidence = np.full((n, 33, 3), np.nan), np.full((n, 33), np.nan)
        for i, image in enumerate(frames):
            if i == 10:  # the coach clicks on the squat (the smaller person, on the left)
                hips = crowd.hip_centre(scene.actors["performer"].truth[i])
                follower.pick((float(hips[0]), float(hips[1])))
            det = follower(image, i / 30)
            if det is not None:
                position[i], confidence[i] = det.position, det.confidence
    finally:
        follower.close()
    before = following(scene, position[:10], confidence[:10], intended="stander")
    after = following(scene, position, confidence)
    assert len(before.followed) == 10, before.line()  # the largest person until the click
    assert follower.picked is True
    clicked = [t for t in after.followed if t >= 10]
    assert len(clicked) >= 28 and not [t for t in after.other if t >= 10], after.line()

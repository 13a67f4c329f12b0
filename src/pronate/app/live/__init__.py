"""Live mode: the pronation chain read from a camera or a shared video call, frame by frame.

An outer layer, like :mod:`pronate.app.web`: the pipeline never imports it. The per-frame
numbers come from the same functions as the offline analysis (:mod:`pronate.metrics.kinematics`,
:mod:`pronate.camera.frames`, :mod:`pronate.metrics.com`); the camera, the stance and the loading
moments from the offline code run on a rolling window (:mod:`pronate.app.live.analyser`).
The web side (:mod:`pronate.app.live.routes`: the page, the moments API, the WebSocket)
is mounted by :mod:`pronate.app.server` as ``pronate.app.live.routes.router``.
"""

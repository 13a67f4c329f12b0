"""pronate's own folder on this machine: ``$PRONATE_HOME``, else the user's cache folder.

It holds the pose models (``models/``), the sample clip (``samples/``) and, by default,
the coach's workspace (``workspace/``).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "PRONATE_HOME"


def pronate_home() -> Path:
    """Return pronate's folder: ``$PRONATE_HOME``, else the user's cache folder
    (``~/.cache/pronate`` on Linux)."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("pronate"))

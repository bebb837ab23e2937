"""One g2p image per build key, named by a hash of everything that goes into it.

An image whose tag exists is reused as it is: the tag *is* the hash of its
inputs (base image, locked wheels of each install, g2p sources, weights, runtime,
decoding, early stop, form, recipe).
"""

import hashlib
import io
import json
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .. import __version__, paths
from .. import labels as label
from ..plan.runtimes import compiled_for
from ..plan.variant import Variant
from ..engine import Engine
from ..log import log
from .wheels import Lock

RECIPE_DIR = paths.PROJECT_ROOT / "builders" / "g2p"
G2P_DIR = paths.PROJECT_ROOT / "g2p"
IMAGE_REPOSITORY = "tfopt-g2p"
STAGE_REPOSITORY = "tfopt-g2p-stage"


@dataclass
class StageInstall:
    """One pip install of an image stage: its requirement set and the lock it resolved to."""

    requirements: List[str]
    lock: Lock


@dataclass
class ImageInputs:
    """Everything an image is made of; its digest names the image.

    Three installs (builders/g2p/Dockerfile): the variant's TensorFlow set, the converter's
    packages on top of it (none for a TensorFlow image), and the final image's set
    (for TensorFlow images the first one: the final image takes that stage's venv)."""

    base_tag: str
    python: str           # interpreter path inside the base image
    tensorflow: StageInstall
    converter: Optional[StageInstall]
    final: StageInstall
    runtime: str
    decoding: str
    form: Optional[str]   # None: the converter picks its TensorFlow source graph
    weights_dir: Path
    tf_sha256: Optional[str]
    extra_labels: Dict[str, str]
    early_stop: bool = False   # exported with `python -m g2p.export --early-stop`

    @property
    def final_is_tensorflow(self) -> bool:
        return self.final.lock.wheels == self.tensorflow.lock.wheels and \
            self.final.requirements == self.tensorflow.requirements

    def sources(self) -> Dict[str, Path]:
        """Context path → host file, for the files that are copied verbatim."""
        files = {"Dockerfile": RECIPE_DIR / "Dockerfile"}
        for path in sorted(G2P_DIR.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files[f"g2p/{path.relative_to(G2P_DIR)}"] = path
        for path in sorted(self.weights_dir.iterdir()):
            files[f"weights/{path.name}"] = path
        return files

    def tf_wheel(self) -> Optional[Path]:
        """The TensorFlow wheel file this image runs; None when TensorFlow only converted its model
        (or the wheel is not in the wheelhouse)."""
        if self.runtime != "tensorflow" or not self.tf_sha256:
            return None
        lock = self.tensorflow.lock
        return next((f for f, w in zip(lock.files(), lock.wheels)
                     if w["sha256"] == self.tf_sha256 and f.is_file()), None)

    def installs(self) -> Dict[str, Tuple[List[str], List[Path]]]:
        """Context folder → (requirements, wheel files) for each pip install."""
        out = {"tensorflow": (self.tensorflow.requirements, self.tensorflow.lock.files())}
        installed = {w["file"] for w in self.tensorflow.lock.wheels}
        converter = self.converter
        out["converter"] = (converter.requirements if converter else [],
                            [f for f in converter.lock.files() if f.name not in installed] if converter else [])
        out["runtime"] = ([], []) if self.final_is_tensorflow else (self.final.requirements, self.final.lock.files())
        return out

    def buildargs(self) -> Dict[str, str]:
        return {"BASE": self.base_tag, "PYTHON": self.python, "RUNTIME": self.runtime,
                "DECODING": self.decoding, "FORM": self.form or "",
                "EARLY_STOP": "1" if self.early_stop else "",
                "VENV": "tensorflow" if self.final_is_tensorflow else "runtime"}

    def digest(self) -> str:
        h = hashlib.sha256()
        stages = {name: {"requirements": s.requirements, "wheels": s.lock.wheels}
                  for name, s in (("tensorflow", self.tensorflow), ("converter", self.converter),
                                  ("final", self.final)) if s is not None}
        h.update(json.dumps({
            "base": self.base_tag, "python": self.python, "stages": stages,
            "runtime": self.runtime, "decoding": self.decoding, "form": self.form,
            **({"early_stop": True} if self.early_stop else {}),
        }, sort_keys=True).encode())
        for name, path in self.sources().items():
            h.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        return h.hexdigest()[:16]

    @property
    def tag(self) -> str:
        return f"{IMAGE_REPOSITORY}:{self.digest()}"

    def shared_stage_tag(self) -> str:
        """The `tensorflow` stage (base + the TensorFlow set), shared by every image of one
        TensorFlow stack. It is kept under this tag so that build-stage cleanup never removes
        it and Docker's cache serves it to the next image of that stack."""
        h = hashlib.sha256(json.dumps({
            "base": self.base_tag, "python": self.python,
            "requirements": self.tensorflow.requirements, "wheels": self.tensorflow.lock.wheels,
        }, sort_keys=True).encode())
        h.update(hashlib.sha256((RECIPE_DIR / "Dockerfile").read_bytes()).digest())
        return f"{STAGE_REPOSITORY}:tensorflow-{h.hexdigest()[:16]}"


# Paths inside a g2p image, as builders/g2p/Dockerfile lays it out (tests/unit/test_image_paths.py
# checks that they agree): where an install's wheels/ is copied, and where the exported model is.
WHEELS_IN_IMAGE = "/tmp/install/wheels"
MODEL_IN_IMAGE = "/opt/g2p/model"


def requirements_txt(requirements: List[str]) -> bytes:
    names = [f"{WHEELS_IN_IMAGE}/{Path(r).name}" if r.endswith(".whl") else r for r in requirements]
    return ("\n".join(names) + "\n").encode() if names else b""


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def _world_readable(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """The profiler runs as a non-root user: every copied file must be readable by it."""
    info.mode |= 0o555 if info.isdir() or info.mode & 0o100 else 0o444
    return info


def _context(inputs: ImageInputs, out) -> None:
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, path in inputs.sources().items():
            tar.add(str(path), arcname=name, filter=_world_readable)
        for folder, (requirements, wheels) in inputs.installs().items():
            directory = tarfile.TarInfo(f"{folder}/wheels")
            directory.type, directory.mode, directory.mtime = tarfile.DIRTYPE, 0o755, 0
            tar.addfile(directory)
            for wheel in wheels:
                tar.add(str(wheel), arcname=f"{folder}/wheels/{wheel.name}")
            _add_bytes(tar, f"{folder}/requirements.txt", requirements_txt(requirements))


def ensure_image(engine: Engine, variants: List[Variant], inputs: ImageInputs,
                 verbose: bool = False) -> str:
    """The image tag for these variants, built only when no image has these inputs."""
    digest = inputs.digest()  # hashes every input file: once
    tag = f"{IMAGE_REPOSITORY}:{digest}"
    names = ", ".join(v.name for v in variants)
    if engine.image(tag) is not None:
        log.info(f"image {tag} reused ({names}): inputs unchanged")
        return tag
    labels = {
        label.KIND: label.Kind.VARIANT, label.VERSION: __version__, label.INPUTS: digest,
        label.VARIANTS: ",".join(v.name for v in variants), label.FORM: inputs.form or "",
        label.RUNTIME: inputs.runtime, label.DECODING: inputs.decoding,
        label.EARLY_STOP: "true" if inputs.early_stop else "false",
        label.COMPILED_FOR: compiled_for(inputs.runtime),
        label.BASE: inputs.base_tag, label.TF_WHEEL_SHA256: inputs.tf_sha256 or "",
        **inputs.extra_labels,
    }
    log_path = paths.logs_dir() / f"image-{digest}.log"
    with log.step(f"building image {tag} for {names} (log: {log_path})", done=f"built {tag}",
                  still=f"building image {tag}") as step, \
            tempfile.TemporaryFile(dir=paths.cache_dir()) as context:

        def progress(line: str) -> None:
            if verbose or line.startswith("Step "):
                log.info(f"  [{step.elapsed():6.0f}s] {line}")

        _context(inputs, context)
        stage = inputs.shared_stage_tag()
        if engine.image(stage) is None:
            context.seek(0)
            stage_log = paths.logs_dir() / f"{stage.split(':')[1]}.log"
            with log.step(f"  building the shared TensorFlow stage {stage} (log: {stage_log})",
                          done=f"built the shared TensorFlow stage {stage}",
                          still=f"building the shared TensorFlow stage {stage}"):
                engine.build(context, stage, {label.KIND: label.Kind.STAGE, label.BASE: inputs.base_tag},
                             stage_log, progress, buildargs=inputs.buildargs(), target="tensorflow")
        context.seek(0)
        engine.build(context, tag, labels, log_path, progress, buildargs=inputs.buildargs())
    return tag

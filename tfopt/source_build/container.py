"""The engine side of a source build: base image, builder image, cache volume, build container.

All Docker calls go through tfopt.engine.Engine; this module only decides what to ask for.
"""

import fcntl
import io
import tarfile
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional

from .. import labels as label
from .. import paths
from ..engine import ContainerOutcome, ContainerSpec, Engine
from ..errors import BuildError, RunError
from ..log import log
from .progress import BuildLog
from .recipe import DISTDIR_MOUNT, Recipe


def base_image(engine: Engine, recipe: Recipe) -> str:
    """The builder's FROM: a registry reference as is, or a tfopt.base Debian image."""
    if recipe.base.image:
        return recipe.base.image
    from ..build.base import ensure_base

    return ensure_base(engine, suite=recipe.base.debian, python=recipe.base.python,
                       packages=recipe.base.packages)


def build_context(recipe: Recipe, bazel: Optional[Path] = None) -> io.BytesIO:
    """The recipe folder as a tar build context; the row's Dockerfile becomes ./Dockerfile and
    the verified Bazel binary (if the row has one) ./bazel."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        if bazel is not None:
            info = tar.gettarinfo(str(bazel), arcname="bazel")
            info.mode = 0o755
            with open(bazel, "rb") as f:
                tar.addfile(info, f)
        names = set()
        for path in recipe.context_files():
            name = str(path.relative_to(recipe.folder))
            names.add(name)
            tar.add(str(path), arcname=name, recursive=False)
        if recipe.dockerfile != "Dockerfile":
            source = recipe.folder / recipe.dockerfile
            if not source.is_file():
                raise BuildError(f"{recipe.table}: dockerfile {recipe.dockerfile!r} does not exist")
            info = tarfile.TarInfo("Dockerfile")
            data = source.read_bytes()
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        elif "Dockerfile" not in names:
            raise BuildError(f"recipe {recipe.folder} has no Dockerfile")
    buffer.seek(0)
    return buffer


def builder_labels(recipe: Recipe) -> Dict[str, str]:
    return {label.KIND: label.Kind.BUILDER, label.RECIPE: recipe.name,
            label.RECIPE_VERSION: recipe.version, label.RECIPE_IMAGE_KEY: recipe.image_key}


def ensure_builder_image(engine: Engine, recipe: Recipe, base_tag: str, build_log: BuildLog,
                         image_log: Path, bazel: Optional[Path] = None) -> str:
    """Build the builder image from the recipe's Dockerfile unless it exists already."""
    tag = recipe.image_tag
    if engine.image(tag) is not None:
        build_log.note(f"builder image {tag} exists; reusing it")
        return tag
    build_log.note(f"building builder image {tag} FROM {base_tag} (its log: {image_log})")
    pulled = recipe.base.image is not None and engine.image(base_tag) is None
    if pulled:
        build_log.note(f"base {base_tag} is not present locally; the engine will pull it")
    buildargs = {"BASE_IMAGE": base_tag, **recipe.build_args}
    try:
        engine.build(build_context(recipe, bazel), tag, builder_labels(recipe), image_log, build_log.line, buildargs)
    except BuildError as exc:
        if not pulled:
            raise
        raise BuildError(f"{exc.args[0]}\n  (the base {base_tag} must be pullable, or loaded/tagged locally "
                         f"beforehand: see docs/build-tf.md)", hint=exc.hint) from None
    return tag


def ensure_cache_volume(engine: Engine, recipe: Recipe) -> str:
    return engine.ensure_volume(recipe.cache_volume, {label.KIND: label.Kind.BUILD_CACHE, label.RECIPE: recipe.name,
                                                      label.RECIPE_VERSION: recipe.version})


@contextmanager
def volume_lock(volume: str) -> Iterator[None]:
    """One build at a time per cache volume: two Bazel servers must not share an output root."""
    folder = paths.cache_dir() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{volume}.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info(f"another build is using cache volume {volume}; waiting for it to finish")
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def container_spec(recipe: Recipe, image: str, volume: str, staging: Path) -> ContainerSpec:
    return ContainerSpec(
        image=image,
        command=["/bin/bash", "-c", recipe.script],
        labels={label.KIND: label.Kind.BUILD, label.VARIANT: recipe.variant,
                label.RECIPE_HASH: recipe.recipe_hash},
        environment=dict(recipe.environment),
        mem_limit=recipe.mem_limit,
        network_disabled=not recipe.network,
        network_mode=recipe.network_mode,
        volumes=volumes(recipe, volume),
        working_dir=recipe.workdir,
        collect={recipe.out_dir: staging},
        timeout_s=recipe.timeout_s,
    )


def volumes(recipe: Recipe, volume: str) -> Dict[str, Dict[str, str]]:
    mounts = {volume: {"bind": recipe.cache_dir, "mode": "rw"}}
    if recipe.access.get("distdir"):
        mounts[recipe.access["distdir"]] = {"bind": DISTDIR_MOUNT, "mode": "ro"}
    return mounts


def run_build(engine: Engine, spec: ContainerSpec, build_log: BuildLog) -> ContainerOutcome:
    """Run the build container (Engine.run removes it, whatever happens); stderr streams to the log."""
    try:
        return engine.run(spec, on_stderr=build_log.line)
    except RunError as exc:
        raise BuildError(f"build container for {spec.labels.get(label.VARIANT)}: {exc}",
                         hint=f"full log: {build_log.path}") from None


def failure_reason(outcome: ContainerOutcome, timeout_s: float) -> str:
    if outcome.timed_out:
        return f"timed out after {timeout_s / 3600:.1f} h and was killed"
    if outcome.oom_killed:
        return "was killed for running out of memory (lower jobs or raise ram_mb)"
    return f"exited with code {outcome.exit_code}"

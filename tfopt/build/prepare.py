"""variants → wheels → base → image: everything a variant needs before it can run."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ..plan import runtimes
from .base import BaseSpec, provide_base
from ..plan.variant import Variant
from ..engine import Engine
from .images import ImageInputs, StageInstall, ensure_image
from ..log import log
from .wheels import ensure_lock, fetch_wheel


@dataclass
class Prepared:
    variant: Variant
    image: Optional[str]          # None when skipped
    skipped: Optional[str] = None  # why, with the command that fixes it


def weights_dir() -> Path:
    from g2p.weights import ensure_weights  # stdlib-only module of the image side

    return Path(ensure_weights())


def _tensorflow_requirement(variant: Variant) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    """(requirement, wheel sha256 if known, skip reason)."""
    tf = variant.tensorflow
    if tf.kind == "pypi":
        return tf.requirement, None, None
    if tf.kind == "wheel":
        path = fetch_wheel(tf.wheel, tf.sha256)
        return str(path), tf.sha256, None
    from ..source_build.build import built_wheel, check_host_supports

    entry = built_wheel(variant)
    if entry is None:
        return None, None, (f"its TensorFlow is built from source and is not built yet; "
                            f"build it with: invoke build-tf --variant {variant.name}")
    check_host_supports(entry)
    return entry.wheel, entry.sha256, None


def _installs(variant: Variant, tf_requirement: str) -> Tuple[StageInstall, Optional[StageInstall], StageInstall]:
    """The image's three pip installs (builders/g2p/runtimes.yaml): the variant's TensorFlow,
    the converter's packages resolved together with it, and the final image's set."""
    packages = runtimes.packages(variant.runtime)
    requirements = [tf_requirement] + list(variant.requirements)
    tensorflow = StageInstall(requirements, ensure_lock(variant.python, requirements))
    converter = None
    if packages.converter:
        with_converter = requirements + list(packages.converter)
        converter = StageInstall(with_converter, ensure_lock(variant.python, with_converter))
    if packages.final is None:
        return tensorflow, converter, tensorflow
    final = list(packages.final)
    return tensorflow, converter, StageInstall(final, ensure_lock(variant.python, final))


def prepare(engine: Engine, variants: List[Variant], verbose: bool = False) -> Dict[str, Prepared]:
    """Build or reuse one image per build key; variants sharing a key share the image."""
    by_key: Dict[str, List[Variant]] = {}
    for v in variants:
        by_key.setdefault(v.build_key(), []).append(v)
    weights = weights_dir()
    prepared: Dict[str, Prepared] = {}
    for group in by_key.values():
        first = group[0]
        requirement, tf_sha, skip = _tensorflow_requirement(first)
        if skip:
            for v in group:
                log.info(f"skipping {v.name}: {skip}")
                prepared[v.name] = Prepared(v, None, skip)
            continue
        tensorflow, converter, final = _installs(first, requirement)
        base = provide_base(engine, BaseSpec(first.suite, first.python))
        tf_distribution = re.split(r"[=<>!~ \[]", requirement)[0]
        inputs = ImageInputs(
            base_tag=base.tag, python=base.interpreter, tensorflow=tensorflow, converter=converter,
            final=final, runtime=first.runtime, decoding=first.decoding, form=first.form,
            weights_dir=weights, tf_sha256=tf_sha or tensorflow.lock.sha256_of(tf_distribution),
            extra_labels={},
        )
        tag = ensure_image(engine, group, inputs, verbose)
        for v in group:
            prepared[v.name] = Prepared(v, tag)
    return prepared

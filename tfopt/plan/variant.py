"""The plan's domain types: a resolved Variant, its TensorFlow source, the Plan that holds
them, and `describe`, how `invoke variants` shows one.

They are built by plan/load.py from variants.yaml; every later stage reads them.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from . import runtimes
from .schema import ALLOCATOR_LIBRARIES, SUITE_PYTHON, variant_keys
from ..errors import ConfigError, did_you_mean


@dataclass(frozen=True)
class TensorflowSource:
    kind: str  # "pypi" | "wheel" | "source"
    requirement: Optional[str] = None
    wheel: Optional[str] = None
    sha256: Optional[str] = None
    build: Optional[Dict[str, Any]] = None

    def describe(self) -> str:
        if self.kind == "pypi":
            return f"pypi {self.requirement}"
        if self.kind == "wheel":
            return f"wheel {self.wheel}"
        b = self.build or {}
        return f"source TF {b.get('version')} copts '{b.get('copts', '')}' configs {b.get('configs')}"


@dataclass
class Variant:
    name: str
    description: str
    family: str
    parent: Optional[str]
    reference: str
    python: str
    suite: str
    tensorflow: TensorflowSource
    requirements: List[str]
    form: Optional[str]           # None on runtimes other than TensorFlow: the converter picks
    runtime: str
    decoding: str
    early_stop: bool              # the decode ends once every row emitted <EOS> (g2p.specs)
    knobs: Dict[str, Any]         # the runtime's run knobs, dotted key → value (g2p.knobs)
    env: Dict[str, str]
    allocator: str
    cpus: float
    memory_bytes: int
    cpuset: Optional[str]
    may_change_predictions: bool
    settings: Dict[str, Any] = field(default_factory=dict)  # the resolved mapping, for display
    matrix: Optional[str] = None  # the grid this variant was expanded from (tfopt/plan/matrix.py)

    @property
    def python_from_distro(self) -> bool:
        return SUITE_PYTHON.get(self.suite) == self.python

    def build_settings(self) -> Dict[str, Any]:
        return {k: self.settings[k] for k, (_, build, _) in variant_keys().items()
                if build and k in self.settings}

    def build_key(self) -> str:
        """Variants with the same build key share one image."""
        blob = json.dumps(self.build_settings(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]

    def run_environment(self) -> Dict[str, str]:
        env = dict(self.env)
        if self.allocator != "system":
            env["LD_PRELOAD"] = ALLOCATOR_LIBRARIES[self.allocator]
        return env

    def changes_from(self, parent: Optional["Variant"]) -> Dict[str, List[Any]]:
        if parent is None:
            return {}
        per_runtime = set(runtimes.sections()) | {"form"}  # absent where they do not apply
        keys = [k for k in variant_keys() if k not in ("description", "extends", "family", "reference")
                and (k not in per_runtime or (k in self.settings and k in parent.settings))]
        return {k: [parent.settings.get(k), self.settings.get(k)] for k in keys
                if parent.settings.get(k) != self.settings.get(k)}


@dataclass
class Plan:
    path: Path
    variants: Dict[str, Variant]
    aliases: Dict[str, str] = field(default_factory=dict)  # short name → variant name
    engines: Dict[str, str] = field(default_factory=dict)  # engine name → URL (tfopt/plan/engines.py)
    swarm: Optional[str] = None  # a swarm manager's URL: its nodes are the engines (docs/engines.md)
    registry: Optional[str] = None  # HOST:PORT of the registry a swarm's nodes pull from

    def select(self, names: List[str]) -> List[Variant]:
        """Variants by name or alias, in the order given."""
        chosen = []
        for name in names:
            name = self.aliases.get(name, name)
            grid = [v for v in self.variants.values() if v.matrix == name]  # a grid's name selects its variants
            if name not in self.variants and not grid:
                raise ConfigError(f"no variant named {name!r} in {self.path}"
                                  + did_you_mean(name, [*self.variants, *self.aliases]),
                                  hint="`invoke variants` lists them and their aliases")
            chosen.extend([self.variants[name]] if name in self.variants else grid)
        return chosen

    def families(self) -> Dict[str, List[Variant]]:
        out: Dict[str, List[Variant]] = {}
        for v in self.variants.values():
            out.setdefault(v.family, []).append(v)
        return out


def describe(variant: Variant) -> List[str]:
    """The resolved settings as display lines."""
    tf = variant.tensorflow.describe()
    return [
        f"{variant.name}  [{variant.family}]  {variant.description}",
        f"    extends {variant.parent or '-'} · reference {variant.reference} · "
        f"build key {variant.build_key()} (same key: same image)"
        + (f" · from matrix {variant.matrix}" if variant.matrix else ""),
        f"    python {variant.python} ({'distro' if variant.python_from_distro else 'host prefix'}, {variant.suite})"
        + (f" · tensorflow {tf} · form {variant.form}" if variant.form else f" · converted with tensorflow {tf}"),
        f"    runtime {variant.runtime} · decoding {variant.decoding}"
        + (" · early stop" if variant.early_stop else "") + " · "
        + (" ".join(f"{k}={_shown(v)}" for k, v in variant.knobs.items()) or "no run knobs")
        + f" · allocator {variant.allocator}",
        f"    env {variant.run_environment() or '{}'} · limits cpus={variant.cpus:g} memory={variant.memory_bytes >> 20}MiB"
        + (f" cpuset={variant.cpuset}" if variant.cpuset else ""),
    ]


def _shown(value) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else str(value)

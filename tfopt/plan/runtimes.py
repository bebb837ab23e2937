"""Runtimes on the host side: their run knobs, the decodings and forms they run, their packages.

The image side declares each runtime once, in its spec (``g2p.specs``): its knobs
(``g2p.knobs.KNOBS``), which decodings and forms it runs (``g2p.support``). These modules
are pure Python, so the host imports them and derives its variants.yaml schema, defaults
and the profiler's flags from them. The packages each runtime needs are data:
``builders/g2p/runtimes.yaml``.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

import yaml

from g2p import knobs as g2p_knobs
from g2p import specs as g2p_specs
from g2p import support as g2p_support

from .. import paths
from ..errors import ConfigError, did_you_mean

PACKAGES_FILE = paths.PROJECT_ROOT / "builders" / "g2p" / "runtimes.yaml"
DEFAULT_RUNTIME = g2p_specs.DEFAULT_RUNTIME
DEFAULT_DECODING = g2p_specs.DEFAULT_DECODING


SUPPORT: Dict[str, Dict[str, Optional[str]]] = g2p_support.SUPPORT
RUNTIMES: Tuple[str, ...] = tuple(g2p_specs.RUNTIMES)
DECODINGS: Tuple[str, ...] = tuple(g2p_specs.DECODINGS)
FORMS: Tuple[str, ...] = tuple(g2p_specs.FORMS)
DEFAULT_FORM: Optional[str] = g2p_specs.spec(DEFAULT_RUNTIME).default_form


def unsupported(runtime: str, decoding: str) -> Optional[str]:
    """Why this runtime cannot run this decoding, or None when it can."""
    return SUPPORT.get(runtime, {}).get(decoding, f"{runtime} has no {decoding} decoding")


def early_stop_unsupported(runtime: str, decoding: str) -> Optional[str]:
    """Why this runtime cannot end this decoding early, or None when it can."""
    return g2p_support.early_stop_reason(runtime, decoding)


def early_stop_decodings(runtime: str) -> Tuple[str, ...]:
    return g2p_specs.spec(runtime).early_stop if runtime in RUNTIMES else ()


def form_unsupported(runtime: str, decoding: str, form: Optional[str]) -> Optional[str]:
    """Why this TensorFlow form cannot hold this decoding, or None."""
    return g2p_support.form_reason(runtime, decoding, form)


def compiled_for(runtime: str) -> str:
    """The target CPU a compiled runtime's image is built for: its spec's named target, or
    "host" (the build host's own CPU) when it has none; "" for runtimes that compile nothing."""
    own = g2p_specs.spec(runtime)
    return own.target or ("host" if own.compiled else "")


# ---------------------------------------------------------------- knobs

KNOBS = tuple(g2p_knobs.KNOBS)


def knob(key: str):
    """The Knob of a dotted key."""
    return next(k for k in KNOBS if k.key == key)


def knobs_for(runtime: str) -> Tuple[Any, ...]:
    return tuple(k for k in KNOBS if k.runtime == runtime)


def sections() -> Dict[str, Dict[str, Any]]:
    """variants.yaml top-level key → {sub-key or '' for a scalar knob: Knob}."""
    out: Dict[str, Dict[str, Any]] = {}
    for knob in KNOBS:
        head, _, rest = knob.key.partition(".")
        out.setdefault(head, {})[rest] = knob
    return out


def section_runtime(section: str) -> str:
    return next(iter(sections()[section].values())).runtime


def is_scalar(section: str) -> bool:
    return "" in sections()[section]


def section_type(section: str) -> type:
    return _python_type(sections()[section][""]) if is_scalar(section) else dict


def section_help(section: str) -> str:
    members = sections()[section]
    runtime = section_runtime(section)
    if is_scalar(section):
        return f"{runtime}: {members[''].help}"
    return f"{runtime} run settings: " + ", ".join(members)


def defaults() -> Dict[str, Any]:
    """Every knob's default, nested the way variants.yaml writes it."""
    out: Dict[str, Any] = {}
    for section, members in sections().items():
        out[section] = members[""].default if "" in members else {k: v.default for k, v in members.items()}
    return out


def _python_type(knob) -> type:
    kind = knob.type
    if isinstance(kind, str):
        return {"int": int, "bool": bool, "str": str, "float": float}[kind]
    return kind


def check_value(knob, value) -> Optional[str]:
    """What is wrong with this value for this knob, or None."""
    kind = _python_type(knob)
    if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        return f"expected an integer, got {value!r}"
    if kind is bool and not isinstance(value, bool):
        return f"expected true or false, got {value!r}"
    if kind is str and not isinstance(value, str):
        return f"expected a string, got {value!r}"
    if knob.choices and value not in knob.choices:
        return f"{value!r} is not one of {', '.join(map(str, knob.choices))}" + \
            did_you_mean(str(value), [str(c) for c in knob.choices])
    if knob.minimum is not None and value < knob.minimum:
        return f"must be ≥ {knob.minimum}, got {value}"
    return None


def lookup(settings: Dict[str, Any], knob):
    """A knob's value in a resolved settings mapping."""
    head, _, rest = knob.key.partition(".")
    value = settings.get(head)
    return value.get(rest, knob.default) if rest and isinstance(value, dict) else \
        (knob.default if value is None else value)


def flags(runtime: str, values: Dict[str, Any]) -> List[str]:
    """The profiler's command-line flags for these knob values (key → value)."""
    out: List[str] = []
    for knob in knobs_for(runtime):
        value = values.get(knob.key, knob.default)
        out += [g2p_knobs.flag(knob), ("on" if value else "off") if isinstance(value, bool) else str(value)]
    return out


# ---------------------------------------------------------------- packages

@dataclass(frozen=True)
class RuntimePackages:
    """Pip requirements around one runtime (see builders/g2p/runtimes.yaml)."""

    runtime: str
    converter: Tuple[str, ...]          # on top of the variant's TensorFlow, in the converter stage
    final: Optional[Tuple[str, ...]]    # the final image's; None = the variant's TensorFlow set
    note: str = ""


@lru_cache(maxsize=1)
def _packages_doc() -> Dict[str, Any]:
    doc = yaml.safe_load(PACKAGES_FILE.read_text()) or {}
    missing = [r for r in RUNTIMES if r not in doc]
    if missing:
        raise ConfigError(f"{PACKAGES_FILE}: no requirement set for runtime(s) {', '.join(missing)}",
                          hint="add an entry with `converter:` and `final:` for each")
    return doc


def packages(runtime: str) -> RuntimePackages:
    entry = _packages_doc()[runtime] or {}
    final = entry.get("final")
    return RuntimePackages(
        runtime=runtime, converter=tuple(entry.get("converter") or ()),
        final=None if final in (None, "tensorflow") else tuple(final), note=entry.get("note", ""))

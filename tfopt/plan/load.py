"""variants.yaml → a validated, fully resolved plan.

This is the one place that knows the schema. Every key a user can misspell is
checked here, before any slow work, with the file, line, variant and key in the
message and a "did you mean" where one fits.
"""

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from . import runtimes
from ..errors import ConfigError

FORMS = runtimes.FORMS
ALLOCATORS = ("system", "jemalloc", "tcmalloc")
ALLOCATOR_LIBRARIES = {
    "jemalloc": "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
    "tcmalloc": "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
}
SUITE_PYTHON = {"bookworm": "3.11", "bullseye": "3.9"}
BAZEL_CONFIGS = ("opt", "mkl", "monolithic", "noaws", "nogcp", "nohdfs", "noignite", "nokafka")

# key → (type, build-time?, help). Build-time keys decide the image; the rest
# only how its container runs.
VARIANT_KEYS: Dict[str, Tuple[type, bool, str]] = {
    "description": (str, False, "one line saying what this variant is"),
    "extends": (str, False, "the parent variant; only what differs is stated"),
    "family": (str, False, "charts and reports group variants by family"),
    "reference": (str, False, "the variant speedups are measured against (default: root of the extends chain)"),
    "python": (str, True, "Python version in the image, e.g. '3.11' or '3.7'"),
    "suite": (str, True, "Debian suite of the base image (bookworm, bullseye)"),
    "tensorflow": (dict, True, "exactly one of pypi / wheel / source"),
    "requirements": (list, True, "extra pip requirements installed beside TensorFlow"),
    "form": (str, True, f"TensorFlow model form, one of {', '.join(FORMS)}"),
    "runtime": (str, True, f"what runs the network: {', '.join(runtimes.RUNTIMES)}"),
    "decoding": (str, True, f"decoding procedure: {', '.join(runtimes.DECODINGS)}"),
    # run knobs of every runtime, derived from g2p.knobs (threads, grappler, xla, onnxruntime, openvino)
    **{section: (runtimes.section_type(section), False, runtimes.section_help(section))
       for section in runtimes.sections()},
    "env": (dict, False, "environment variables for the profiled process"),
    "allocator": (str, False, f"malloc preloaded with LD_PRELOAD: {', '.join(ALLOCATORS)}"),
    "limits": (dict, False, "cpus (default 1), memory (default 4g), cpuset (optional)"),
    "may_change_predictions": (bool, False, "allow predictions to differ from the reference"),
}
TENSORFLOW_KEYS = {"pypi": str, "wheel": str, "sha256": str, "source": dict}
SOURCE_KEYS = {"version": str, "copts": str, "configs": list, "jobs": int, "ram_mb": int,
               "recipe": str, "xla": bool, "distdir": str, "remote_cache": str}
LIMIT_KEYS = {"cpus": (int, float), "memory": str, "cpuset": str}
TOP_KEYS = ("variants", "defaults", "aliases", "matrix", "engines")

DEFAULTS: Dict[str, Any] = {
    "description": "",
    "suite": "bookworm",
    "requirements": [],
    "form": runtimes.DEFAULT_FORM,
    "runtime": runtimes.DEFAULT_RUNTIME,
    "decoding": runtimes.DEFAULT_DECODING,
    **runtimes.defaults(),
    "env": {},
    "allocator": "system",
    "limits": {"cpus": 1, "memory": "4g", "cpuset": None},
    "may_change_predictions": False,
}
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


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
    def intra_op(self) -> int:
        return self.knobs.get("threads.intra_op", 0)

    @property
    def inter_op(self) -> int:
        return self.knobs.get("threads.inter_op", 0)

    @property
    def grappler(self) -> bool:
        return self.knobs.get("grappler", True)

    @property
    def xla(self) -> bool:
        return self.knobs.get("xla", False)

    @property
    def python_from_distro(self) -> bool:
        return SUITE_PYTHON.get(self.suite) == self.python

    def build_settings(self) -> Dict[str, Any]:
        return {k: self.settings[k] for k, (_, build, _) in VARIANT_KEYS.items()
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
        keys = [k for k in VARIANT_KEYS if k not in ("description", "extends", "family", "reference")
                and (k not in per_runtime or (k in self.settings and k in parent.settings))]
        return {k: [parent.settings.get(k), self.settings.get(k)] for k in keys
                if parent.settings.get(k) != self.settings.get(k)}


@dataclass
class Plan:
    path: Path
    variants: Dict[str, Variant]
    aliases: Dict[str, str] = field(default_factory=dict)  # short name → variant name
    engines: Dict[str, str] = field(default_factory=dict)  # engine name → URL (tfopt/engine/fleet.py)

    def select(self, names: List[str]) -> List[Variant]:
        """Variants by name or alias, in the order given."""
        chosen = []
        for name in names:
            name = self.aliases.get(name, name)
            grid = [v for v in self.variants.values() if v.matrix == name]  # a grid's name selects its variants
            if name not in self.variants and not grid:
                raise ConfigError(f"no variant named {name!r} in {self.path}"
                                  + _did_you_mean(name, [*self.variants, *self.aliases]),
                                  hint="`invoke variants` lists them and their aliases")
            chosen.extend([self.variants[name]] if name in self.variants else grid)
        return chosen

    def families(self) -> Dict[str, List[Variant]]:
        out: Dict[str, List[Variant]] = {}
        for v in self.variants.values():
            out.setdefault(v.family, []).append(v)
        return out


def _did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Where:
    """Line numbers of every mapping key, by path, from the YAML node tree."""

    def __init__(self, path: Path, node):
        self.path = path
        self.lines: Dict[Tuple[str, ...], int] = {}
        self.matrix: Dict[str, str] = {}  # expanded variant → its grid
        if node is not None:
            self._walk(node, ())

    def _walk(self, node, prefix):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = prefix + (str(key.value),)
                self.lines[here] = key.start_mark.line + 1
                self._walk(value, here)

    def error(self, keys: Tuple[str, ...], message: str, hint: Optional[str] = None,
              kind=ConfigError) -> ConfigError:
        line = None
        for n in range(len(keys), 0, -1):
            line = self.lines.get(keys[:n])
            if line:
                break
        location = f"{self.path}:{line}" if line else str(self.path)
        where = ""
        if len(keys) >= 2 and keys[0] == "variants":
            grid = self.matrix.get(keys[1])
            where = (f" variant {keys[1]!r}" + (f" (from matrix {grid!r})" if grid else "")
                     + (f", key {'.'.join(keys[2:])!r}" if len(keys) > 2 else ""))
        return kind(f"{location}:{where + ':' if where else ''} {message}", hint=hint)


def load_plan(path: Path, *, yes: bool = False) -> Plan:
    """`yes` accepts `matrix:` grids that expand past tfopt.plan.matrix.LIMIT."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path} does not exist", hint="run from the repository root or pass --file")
    text = path.read_text()
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    where = _Where(path, node)
    if not isinstance(data, dict) or not ("variants" in data or "matrix" in data):
        raise ConfigError(f"{path}: expected a mapping with a 'variants' (or 'matrix') key")
    for key in data:
        if key not in TOP_KEYS:
            raise where.error((key,), f"unknown top-level key {key!r}" + _did_you_mean(key, TOP_KEYS))
    defaults = data.get("defaults") or {}
    from .matrix import expand

    raw = expand(where, data.get("variants"), data.get("matrix"), yes=yes)
    if not isinstance(raw, dict) or not raw:
        raise where.error(("variants",), "'variants' must be a non-empty mapping of name → settings")
    _check_mapping(where, ("defaults",), defaults)
    for name, body in raw.items():
        if not NAME_RE.match(str(name)):
            raise where.error(("variants", str(name)), "variant names use lowercase letters, digits, '-', '_' and '.'")
        if not isinstance(body, dict):
            raise where.error(("variants", name), "a variant is a mapping of settings")
        _check_mapping(where, ("variants", name), body)
    merged = {name: _merge_chain(where, raw, name, defaults) for name in raw}
    variants = {name: _resolve(where, raw, name, merged[name]) for name in raw}
    for v in variants.values():
        v.matrix = where.matrix.get(v.name)
        if v.reference not in variants:
            raise where.error(("variants", v.name, "reference"), f"reference {v.reference!r} is not a variant"
                              + _did_you_mean(v.reference, variants))
    return Plan(path=path, variants=variants, aliases=_aliases(where, data.get("aliases"), variants),
                engines=_engines(where, data.get("engines")))


def _engines(where: "_Where", raw) -> Dict[str, str]:
    """engines: {name: URL}: the Docker engines a run uses when no --engine is given."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw:
        raise where.error(("engines",), "engines is a mapping of engine name → URL, e.g. "
                                        "second: ssh://me@box2 (or unix:///path, tcp://host:2376, a context)")
    for name, url in raw.items():
        if not NAME_RE.match(str(name)):
            raise where.error(("engines", str(name)), f"engine name {name!r}: use lowercase letters, digits, "
                                                      "'-', '_' and '.'")
        if not isinstance(url, str) or not url.strip():
            raise where.error(("engines", str(name)), f"engine {name!r}: the URL must be a string, got {url!r}")
    from ..engine.fleet import targets

    for name, url in raw.items():
        try:
            targets([f"{name}={url}"])
        except ConfigError as exc:
            raise where.error(("engines", str(name)), exc.args[0], hint=exc.hint) from None
    return {str(n): u.strip() for n, u in raw.items()}


def _aliases(where: "_Where", raw, variants: Dict[str, "Variant"]) -> Dict[str, str]:
    """aliases: {short: variant}. An alias may not be a variant's name or point nowhere."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise where.error(("aliases",), "aliases is a mapping of alias → variant name, e.g. avx2: tf1-avx2")
    for alias, target in raw.items():
        at = ("aliases", str(alias))
        if not NAME_RE.match(str(alias)):
            raise where.error(at, f"alias {alias!r}: use lowercase letters, digits, '-', '_' and '.'")
        if alias in variants:
            raise where.error(at, f"alias {alias!r} is also a variant's name; it would hide that variant",
                              hint="rename the alias")
        if not isinstance(target, str) or target not in variants:
            raise where.error(at, f"alias {alias!r} points to {target!r}, which is not a variant"
                              + (_did_you_mean(target, variants) if isinstance(target, str) else ""))
    return {str(a): t for a, t in raw.items()}


def _check_mapping(where: _Where, keys: Tuple[str, ...], body: dict) -> None:
    for key, value in body.items():
        at = keys + (str(key),)
        if key not in VARIANT_KEYS:
            raise where.error(at, f"unknown key {key!r}" + _did_you_mean(str(key), VARIANT_KEYS),
                              hint="known keys: " + ", ".join(VARIANT_KEYS))
        expected = VARIANT_KEYS[key][0]
        if key == "python" and isinstance(value, (int, float)):
            raise where.error(at, f"write the Python version as a string, e.g. python: \"{value}\"")
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise where.error(at, f"expected {expected.__name__}, got {type(value).__name__}: {value!r}")
    _check_knobs(where, keys, body)
    _check_sub(where, keys + ("limits",), body.get("limits"), LIMIT_KEYS)
    tf = body.get("tensorflow")
    if tf is not None:
        _check_sub(where, keys + ("tensorflow",), tf, TENSORFLOW_KEYS)
        sources = [k for k in ("pypi", "wheel", "source") if k in tf]
        if len(sources) != 1:
            raise where.error(keys + ("tensorflow",),
                              f"TensorFlow needs exactly one source (pypi, wheel or source); found {sources or 'none'}")
        if "sha256" in tf and "wheel" not in tf:
            raise where.error(keys + ("tensorflow", "sha256"), "sha256 goes with wheel")
        if "wheel" in tf and not re.fullmatch(r"[0-9a-f]{64}", str(tf.get("sha256", ""))):
            raise where.error(keys + ("tensorflow", "wheel"), "a wheel needs its sha256 (64 hex digits)",
                              hint="sha256sum the file and add `sha256: <digest>`")
        if "source" in tf:
            _check_sub(where, keys + ("tensorflow", "source"), tf["source"], SOURCE_KEYS)
            for config in tf["source"].get("configs", []):
                if config not in BAZEL_CONFIGS:
                    raise where.error(keys + ("tensorflow", "source", "configs"),
                                      f"unknown Bazel config {config!r}" + _did_you_mean(config, BAZEL_CONFIGS))
    for key, allowed in (("form", FORMS), ("allocator", ALLOCATORS), ("runtime", runtimes.RUNTIMES),
                         ("decoding", runtimes.DECODINGS)):
        if key in body and body[key] not in allowed:
            raise where.error(keys + (key,), f"{body[key]!r} is not one of {', '.join(allowed)}"
                              + _did_you_mean(body[key], allowed))
    if "suite" in body and body["suite"] not in SUITE_PYTHON:
        raise where.error(keys + ("suite",), f"unknown suite {body['suite']!r}; use one of {', '.join(SUITE_PYTHON)}")
    if "python" in body and not re.fullmatch(r"3\.\d+(\.\d+)?", body["python"]):
        raise where.error(keys + ("python",), f"{body['python']!r} is not a Python version like '3.11'")
    for k, v in (body.get("env") or {}).items():
        if not isinstance(v, (str, int, float)) or isinstance(v, bool):
            raise where.error(keys + ("env", str(k)), "environment values are strings", hint=f'write {k}: "{v}"')
    if "requirements" in body and not all(isinstance(r, str) for r in body["requirements"]):
        raise where.error(keys + ("requirements",), "requirements is a list of strings")
    for requirement in body.get("requirements") or []:
        _check_requirement(where, keys + ("requirements",), requirement)
    if isinstance(tf, dict) and isinstance(tf.get("pypi"), str):
        _check_requirement(where, keys + ("tensorflow", "pypi"), tf["pypi"])


def _check_requirement(where: "_Where", at: Tuple[str, ...], text: str) -> None:
    """A PEP 508 requirement (a local .whl path is also allowed), parsed now rather than by pip later."""
    from packaging.requirements import InvalidRequirement, Requirement

    if text.strip().endswith(".whl") and not re.search(r"[\s;]", text.strip()):
        return
    try:
        Requirement(text)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
        raise where.error(at, f"{text!r} is not a valid PEP 508 requirement: {reason}",
                          hint='write a name with an optional version and marker, e.g. "numpy<1.17" '
                               'or "tensorflow-cpu==2.21.0; python_version >= \'3.9\'"') from None


def _check_knobs(where, keys, body) -> None:
    """Knob sections: sub-keys, types, choices and minimums, all from g2p.knobs."""
    for section, members in runtimes.sections().items():
        if section not in body:
            continue
        values = {"": body[section]} if "" in members else body[section]
        for sub, value in values.items():
            at = keys + ((section,) if sub == "" else (section, str(sub)))
            if sub not in members:
                raise where.error(at, f"unknown key {sub!r}" + _did_you_mean(str(sub), members),
                                  hint="known keys: " + ", ".join(members))
            problem = runtimes.check_value(members[sub], value)
            if problem:
                raise where.error(at, problem, hint=members[sub].help or None)


def _runtime_settings(where, raw, name, s) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(settings without other runtimes' knobs, this runtime's knob values by dotted key).

    Another runtime's knob written in this variant is refused; one inherited from a parent
    (or from `defaults`) does not apply and is dropped."""
    at = ("variants", name)
    runtime, decoding = s["runtime"], s["decoding"]
    reason = runtimes.unsupported(runtime, decoding)
    if reason:
        raise where.error(at + ("decoding",), f"runtime {runtime} cannot run decoding {decoding!r}: {reason}",
                          hint="choose another decoding or runtime (`invoke variants` lists what runs)")
    own = raw[name]
    for section in runtimes.sections():
        owner = runtimes.section_runtime(section)
        if section in own and owner != runtime:
            raise where.error(at + (section,), f"{section!r} is a setting of runtime {owner}, but this variant's "
                              f"runtime is {runtime}", hint=f"remove it, or set runtime: {owner}")
    if runtime != runtimes.DEFAULT_RUNTIME and own.get("form", DEFAULTS["form"]) != DEFAULTS["form"]:
        raise where.error(at + ("form",), f"form applies to TensorFlow only; the {runtime} converter "
                          "picks its own TensorFlow source graph", hint="remove `form` from this variant")
    reason = runtimes.form_unsupported(runtime, decoding, s["form"]) if runtime == runtimes.DEFAULT_RUNTIME else None
    if reason:
        raise where.error(at + ("form",), f"form {s['form']!r} cannot hold decoding {decoding!r}: {reason}")
    settings = {k: v for k, v in s.items() if k not in runtimes.sections()
                or runtimes.section_runtime(k) == runtime}
    if runtime != runtimes.DEFAULT_RUNTIME:
        settings.pop("form", None)
    values = {k.key: runtimes.lookup(settings, k) for k in runtimes.knobs_for(runtime)}
    return settings, values


def _check_sub(where, keys, value, schema) -> None:
    if value is None:
        return
    for key, item in value.items():
        if key not in schema:
            raise where.error(keys + (str(key),), f"unknown key {key!r}" + _did_you_mean(str(key), schema),
                              hint="known keys: " + ", ".join(schema))
        expected = schema[key]
        types = expected if isinstance(expected, tuple) else (expected,)
        if item is not None and (not isinstance(item, types) or (isinstance(item, bool) and bool not in types)):
            raise where.error(keys + (str(key),), f"expected {'/'.join(t.__name__ for t in types)}, got {item!r}")


def _chain(where, raw, name) -> List[str]:
    chain, seen = [], set()
    current = name
    while current is not None:
        if current in seen:
            cycle = " → ".join(chain[chain.index(current):] + [current])
            raise where.error(("variants", name, "extends"), f"extends forms a cycle: {cycle}")
        if current not in raw:
            raise where.error(("variants", chain[-1], "extends"), f"extends unknown variant {current!r}"
                              + _did_you_mean(current, raw))
        seen.add(current)
        chain.append(current)
        current = raw[current].get("extends")
    return chain  # child first


def _merge_chain(where, raw, name, defaults) -> Dict[str, Any]:
    merged = _deep_merge(DEFAULTS, defaults)
    for ancestor in reversed(_chain(where, raw, name)):
        body = dict(raw[ancestor])
        if ancestor != name:
            body.pop("description", None)
            body.pop("may_change_predictions", None)
        if "tensorflow" in body:
            merged.pop("tensorflow", None)  # a TF source replaces the parent's, never merges
        merged = _deep_merge(merged, body)
    merged.pop("extends", None)
    return merged


def _deep_merge(base: Dict[str, Any], over: Dict[str, Any]) -> Dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "tensorflow":
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_memory(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", str(text).lower())
    if not match:
        raise ValueError(text)
    scale = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[match.group(2)]
    return int(float(match.group(1)) * scale)


def _resolve(where, raw, name, s) -> Variant:
    at = ("variants", name)
    if "python" not in s:
        raise where.error(at, "no Python version (set `python:` here or in a parent)")
    if "tensorflow" not in s:
        raise where.error(at, "no TensorFlow source (set `tensorflow:` here or in a parent)")
    tf = s["tensorflow"]
    if "pypi" in tf:
        source = TensorflowSource("pypi", requirement=tf["pypi"])
    elif "wheel" in tf:
        source = TensorflowSource("wheel", wheel=tf["wheel"], sha256=tf["sha256"])
    else:
        build = {"configs": ["opt"], "copts": "", "jobs": 2, "ram_mb": 8192, "xla": False, **tf["source"]}
        if "version" not in build:
            raise where.error(at + ("tensorflow", "source"), "a source build needs `version`")
        if "opt" not in build["configs"]:
            raise where.error(at + ("tensorflow", "source", "configs"),
                              "configure writes copts under build:opt, so 'opt' must be among the configs")
        source = TensorflowSource("source", build=build)
    limits = s["limits"]
    try:
        memory = parse_memory(limits.get("memory", "4g"))
    except ValueError:
        raise where.error(at + ("limits", "memory"), f"cannot read memory {limits.get('memory')!r}",
                          hint="write e.g. 4g or 512m") from None
    cpus = float(limits.get("cpus", 1))
    if cpus <= 0:
        raise where.error(at + ("limits", "cpus"), "cpus must be positive")
    s, knobs = _runtime_settings(where, raw, name, s)
    chain = _chain(where, raw, name)
    s = dict(s, env={k: str(v) for k, v in s["env"].items()})
    return Variant(
        name=name, description=s["description"], family=s.get("family") or f"python{s['python']}",
        parent=raw[name].get("extends"), reference=s.get("reference") or chain[-1],
        python=s["python"], suite=s["suite"], tensorflow=source, requirements=list(s["requirements"]),
        form=s.get("form"), runtime=s["runtime"], decoding=s["decoding"], knobs=knobs,
        env=s["env"], allocator=s["allocator"],
        cpus=cpus, memory_bytes=memory, cpuset=limits.get("cpuset"),
        may_change_predictions=s["may_change_predictions"], settings=s,
    )


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
        f"    runtime {variant.runtime} · decoding {variant.decoding} · "
        + (" ".join(f"{k}={_shown(v)}" for k, v in variant.knobs.items()) or "no run knobs")
        + f" · allocator {variant.allocator}",
        f"    env {variant.run_environment() or '{}'} · limits cpus={variant.cpus:g} memory={variant.memory_bytes >> 20}MiB"
        + (f" cpuset={variant.cpuset}" if variant.cpuset else ""),
    ]


def _shown(value) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else str(value)

"""variants.yaml → a validated, fully resolved plan.

Every key a user can misspell is checked here against the schema (plan/schema.py), before
any slow work, with the file, line, variant and key in the message and a "did you mean"
where one fits. `extends` chains and `defaults` are resolved here too.
"""

import copy
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from . import limits as docker_limits, runtimes, schema
from .engines import targets
from .matrix import expand
from .schema import (ALLOCATORS, BAZEL_CONFIGS, DEFAULT_FORM, FORMS, LIMIT_KEYS, NAME_RE, NAME_RULE, SOURCE_DEFAULTS,
                     SOURCE_KEYS, SUITE_PYTHON, TENSORFLOW_KEYS, TOP_KEYS)
from .variant import Plan, TensorflowSource, Variant
from ..errors import ConfigError, did_you_mean

MERGE_TAG = "tag:yaml.org,2002:merge"
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_FILE_BYTES = 16 << 20  # a variants file is a few KB; anything this big is the wrong file
VARIANTS_HINT = "pass the variants YAML file, e.g. --file variants.yaml"


class _Where:
    """Line numbers of every mapping key, by path, from the YAML node tree."""

    def __init__(self, path: Path, node):
        self.path = path
        self.lines: Dict[Tuple[str, ...], int] = {}
        self.matrix: Dict[str, str] = {}  # expanded variant → its grid
        if node is not None:
            self._walk(node, ())

    def _walk(self, node, prefix):
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, prefix + (f"[{index}]",))
        if not isinstance(node, yaml.MappingNode):
            return
        seen: Dict[str, yaml.Mark] = {}
        for key, value in node.value:
            if key.tag == MERGE_TAG:  # `<<: *anchor`: its keys are defaults the mapping's own keys override
                continue
            name = str(key.value)
            if name in seen:
                raise self.duplicate(prefix + (name,), seen[name], key.start_mark)
            seen[name] = key.start_mark
            self.lines[prefix + (name,)] = key.start_mark.line + 1
            self._walk(value, prefix + (name,))

    def duplicate(self, keys: Tuple[str, ...], first: "yaml.Mark", second: "yaml.Mark") -> ConfigError:
        """YAML keeps the last of two equal keys in one mapping and drops the first without a word."""
        shown = ".".join(k for k in keys if not k.startswith("["))
        a, b = first.line + 1, second.line + 1
        places = (f"at lines {a} and {b}" if a != b
                  else f"twice on line {a} (columns {first.column + 1} and {second.column + 1})")
        return ConfigError(f"{self.path}:{b}: key {shown!r} is given twice in one mapping, {places}; "
                           "YAML would silently keep only the second", hint="delete one of them")

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
    text = read_text(path)
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    where = _Where(path, node)
    if not isinstance(data, dict) or not ("variants" in data or "matrix" in data):
        found = (f"its top-level keys are {', '.join(map(str, data))}" if isinstance(data, dict) and data
                 else f"it holds {'nothing' if data is None else 'a ' + type(data).__name__}")
        raise ConfigError(f"{path}: expected a mapping with a 'variants' (or 'matrix') key; {found}",
                          hint="is this a variants file? (variants.yaml shows the layout)")
    for key in data:
        if key not in TOP_KEYS:
            raise where.error((str(key),), f"unknown top-level key {key!r}" + did_you_mean(str(key), TOP_KEYS))
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise where.error(("defaults",), f"'defaults' is a mapping of variant keys, got {type(defaults).__name__}",
                          hint="e.g. defaults: {limits: {cpus: 1}}")
    if "extends" in defaults:
        raise where.error(("defaults", "extends"), "`extends` cannot be a default: every variant, its parent "
                          "too, would extend it", hint="write `extends:` in each variant that has a parent")
    raw = expand(where, data.get("variants"), data.get("matrix"), yes=yes)
    if not isinstance(raw, dict) or not raw:
        raise where.error(("variants",), "'variants' must be a non-empty mapping of name → settings")
    _check_mapping(where, ("defaults",), defaults)
    for name, body in raw.items():
        if not isinstance(name, str):
            raise where.error(("variants", str(name)), f"YAML reads this unquoted variant name as the "
                              f"{type(name).__name__} {name!r}, not as text", hint="quote the name, e.g. \"1\":")
        if not NAME_RE.match(name):
            raise where.error(("variants", str(name)), "variant names " + NAME_RULE)
        if not isinstance(body, dict):
            raise where.error(("variants", name), "a variant is a mapping of settings")
        _check_mapping(where, ("variants", name), body)
    merged = {name: _merge_chain(where, raw, name, defaults) for name in raw}
    variants = {name: _resolve(where, raw, name, merged[name]) for name in raw}
    for v in variants.values():
        v.matrix = where.matrix.get(v.name)
        if v.reference not in variants:
            raise where.error(("variants", v.name, "reference"), f"reference {v.reference!r} is not a variant"
                              + did_you_mean(v.reference, variants))
    return Plan(path=path, variants=variants, aliases=_aliases(where, data.get("aliases"), variants),
                engines=_engines(where, data.get("engines")), swarm=_url(where, "swarm", data.get("swarm")),
                registry=_url(where, "registry", data.get("registry")))


def _url(where: "_Where", key: str, raw) -> Optional[str]:
    """swarm: (a manager's endpoint) or registry: (HOST:PORT): one string."""
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        example = "unix:///var/run/docker.sock" if key == "swarm" else "registry.lan:5000"
        raise where.error((key,), f"{key} is one URL, e.g. {key}: {example}; got {raw!r}")
    return raw.strip()


def read_text(path: Path, what: str = "a variants file", hint: str = VARIANTS_HINT) -> str:
    """A file's text (a variants file's, by default); ConfigError for anything that is not a
    readable UTF-8 file, naming the file and `what` it should be."""
    if not path.exists():
        raise ConfigError(f"{path} does not exist", hint="run from the repository root, or " + hint)
    if path.is_dir():
        raise ConfigError(f"{path} is a directory, not {what}", hint=hint)
    if not path.is_file():
        raise ConfigError(f"{path} is not a regular file (a device, socket or pipe), so not {what}", hint=hint)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}",
                          hint="check the file's permissions (ls -l), or " + hint) from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"{path} is over {MAX_FILE_BYTES >> 20} MB, too big for {what}", hint=hint)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start}), "
                          f"so not {what}", hint=hint + "; a text file in another encoding: save it as UTF-8") from None


def _engines(where: "_Where", raw) -> Dict[str, str]:
    """engines: {name: URL}: the Docker engines a run uses when no --engine is given."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw:
        raise where.error(("engines",), "engines is a mapping of engine name → URL, e.g. "
                                        "second: ssh://me@box2 (or unix:///path, tcp://host:2376, a context)")
    for name, url in raw.items():
        if not NAME_RE.match(str(name)):
            raise where.error(("engines", str(name)), f"engine name {name!r}: {NAME_RULE}")
        if not isinstance(url, str) or not url.strip():
            raise where.error(("engines", str(name)), f"engine {name!r}: the URL must be a string, got {url!r}")
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
            raise where.error(at, f"alias {alias!r}: {NAME_RULE}")
        if alias in variants:
            raise where.error(at, f"alias {alias!r} is also a variant's name; it would hide that variant",
                              hint="rename the alias")
        if not isinstance(target, str) or target not in variants:
            raise where.error(at, f"alias {alias!r} points to {target!r}, which is not a variant"
                              + (did_you_mean(target, variants) if isinstance(target, str) else ""))
    return {str(a): t for a, t in raw.items()}


def _check_mapping(where: _Where, keys: Tuple[str, ...], body: dict) -> None:
    known = schema.variant_keys()
    for key, value in body.items():
        at = keys + (str(key),)
        if key not in known:
            raise where.error(at, f"unknown key {key!r}" + did_you_mean(str(key), known),
                              hint="known keys: " + ", ".join(known))
        expected = known[key][0]
        if key == "python" and isinstance(value, (int, float)):
            raise where.error(at, f"write the Python version as a string, e.g. python: \"{value}\"")
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise where.error(at, f"expected {expected.__name__}, got {type(value).__name__}: {value!r}")
    _check_knobs(where, keys, body)
    _check_sub(where, keys + ("limits",), body.get("limits"), LIMIT_KEYS, nullable=("cpuset",))
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
        if "wheel" in tf and not tf["wheel"].strip():
            raise where.error(keys + ("tensorflow", "wheel"), "the wheel's path or URL is empty",
                              hint="write wheel: wheels/tensorflow-….whl (or an https:// URL) with its sha256")
        if "source" in tf:
            _check_source(where, keys + ("tensorflow", "source"), tf["source"])
    for key, allowed in (("form", FORMS), ("allocator", ALLOCATORS), ("runtime", runtimes.RUNTIMES),
                         ("decoding", runtimes.DECODINGS)):
        if key in body and body[key] not in allowed:
            raise where.error(keys + (key,), f"{body[key]!r} is not one of {', '.join(allowed)}"
                              + did_you_mean(body[key], allowed))
    if "suite" in body and body["suite"] not in SUITE_PYTHON:
        raise where.error(keys + ("suite",), f"unknown suite {body['suite']!r}; use one of {', '.join(SUITE_PYTHON)}")
    if "python" in body and not re.fullmatch(r"3\.\d+(\.\d+)?", body["python"]):
        raise where.error(keys + ("python",), f"{body['python']!r} is not a Python version like '3.11'")
    for k, v in (body.get("env") or {}).items():
        if not isinstance(k, str) or not ENV_NAME.fullmatch(k):
            raise where.error(keys + ("env", str(k)), f"{k!r} is not an environment variable name",
                              hint="names are letters, digits and '_', not starting with a digit, e.g. OMP_NUM_THREADS")
        if not isinstance(v, (str, int, float)) or isinstance(v, bool):
            raise where.error(keys + ("env", str(k)), "environment values are strings", hint=f'write {k}: "{v}"')
    if "requirements" in body and not all(isinstance(r, str) for r in body["requirements"]):
        raise where.error(keys + ("requirements",), "requirements is a list of strings")
    for requirement in body.get("requirements") or []:
        _check_requirement(where, keys + ("requirements",), requirement)
    if isinstance(tf, dict) and isinstance(tf.get("pypi"), str):
        _check_requirement(where, keys + ("tensorflow", "pypi"), tf["pypi"])


def _check_source(where: "_Where", at: Tuple[str, ...], source: dict) -> None:
    _check_sub(where, at, source, SOURCE_KEYS)
    for config in source.get("configs", []):
        if not isinstance(config, str) or config not in BAZEL_CONFIGS:
            raise where.error(at + ("configs",), f"unknown Bazel config {config!r}"
                              + (did_you_mean(config, BAZEL_CONFIGS) if isinstance(config, str) else ""),
                              hint="known configs: " + ", ".join(BAZEL_CONFIGS))
    for key in ("jobs", "ram_mb"):
        if key in source and source[key] < 1:
            raise where.error(at + (key,), f"{key} must be at least 1, got {source[key]}",
                              hint=f"the default is {SOURCE_DEFAULTS[key]}")


def _check_requirement(where: "_Where", at: Tuple[str, ...], text: str) -> None:
    """A PEP 508 requirement (a local .whl path is also allowed), parsed now rather than by pip later."""
    from packaging.requirements import InvalidRequirement, Requirement

    if text.strip().endswith(".whl") and not re.search(r"[\s;]", text.strip()):
        return
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
        raise where.error(at, f"{text!r} is not a valid PEP 508 requirement: {reason}",
                          hint='write a name with an optional version and marker, e.g. "numpy<1.17" '
                               'or "tensorflow-cpu==2.21.0; python_version >= \'3.9\'"') from None
    if requirement.url:
        instead = ("tensorflow: {wheel: <path or URL>, sha256: <its sha256sum>}" if at[-1] == "pypi"
                   else "a local .whl path in requirements, or the name and version of a package index release")
        raise where.error(at, f"{text!r} is a direct URL reference: it carries no hash to lock, and tfopt "
                          "resolves and locks every wheel on the host with its sha256",
                          hint=f"download the wheel and write {instead}")


def _check_knobs(where, keys, body) -> None:
    """Knob sections: sub-keys, types, choices and minimums, all from g2p.knobs."""
    for section, members in runtimes.sections().items():
        if section not in body:
            continue
        values = {"": body[section]} if "" in members else body[section]
        for sub, value in values.items():
            at = keys + ((section,) if sub == "" else (section, str(sub)))
            if sub not in members:
                raise where.error(at, f"unknown key {sub!r}" + did_you_mean(str(sub), members),
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
    if s["early_stop"]:
        reason = runtimes.early_stop_unsupported(runtime, decoding)
        if reason:
            can = [d for d in runtimes.DECODINGS if d in runtimes.early_stop_decodings(runtime)]
            raise where.error(at + ("early_stop",), f"runtime {runtime} cannot stop decoding {decoding!r} early",
                              hint=(f"use decoding {' or '.join(can)} with early_stop, or " if can else "")
                              + "set early_stop: false")
    own = raw[name]
    for section in runtimes.sections():
        owner = runtimes.section_runtime(section)
        if section in own and owner != runtime:
            raise where.error(at + (section,), f"{section!r} is a setting of runtime {owner}, but this variant's "
                              f"runtime is {runtime}", hint=f"remove it, or set runtime: {owner}")
    if runtime != runtimes.DEFAULT_RUNTIME and own.get("form", DEFAULT_FORM) != DEFAULT_FORM:
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


def _check_inexact(where, name, knobs: Dict[str, Any], may_change: bool) -> None:
    """A knob that may change predictions (g2p.specs.Knob.inexact) set away from its default
    needs `may_change_predictions: true`: an exact variant stays exact."""
    if may_change:
        return
    for key, value in knobs.items():
        knob = runtimes.knob(key)
        if knob.inexact and value != knob.default:
            raise where.error(("variants", name) + tuple(key.split(".")),
                              f"{key} = {value!r} may change predictions, and this variant does not "
                              "declare may_change_predictions", hint=f"set may_change_predictions: true "
                              f"for it, or leave {key} at {knob.default!r}")


def _check_sub(where, keys, value, schema, nullable=()) -> None:
    """A sub-mapping's keys and their types; only the keys in `nullable` may be null."""
    if value is None:
        return
    for key, item in value.items():
        if key not in schema:
            raise where.error(keys + (str(key),), f"unknown key {key!r}" + did_you_mean(str(key), schema),
                              hint="known keys: " + ", ".join(schema))
        expected = schema[key]
        types = expected if isinstance(expected, tuple) else (expected,)
        if item is None and key in nullable:
            continue
        if not isinstance(item, types) or (isinstance(item, bool) and bool not in types):
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
                              + did_you_mean(current, raw))
        seen.add(current)
        chain.append(current)
        current = raw[current].get("extends")
    return chain  # child first


def _merge_chain(where, raw, name, defaults) -> Dict[str, Any]:
    merged = deep_merge(schema.defaults(), defaults)
    for ancestor in reversed(_chain(where, raw, name)):
        body = dict(raw[ancestor])
        if ancestor != name:
            body.pop("description", None)
            body.pop("may_change_predictions", None)
        if "tensorflow" in body:
            merged.pop("tensorflow", None)  # a TF source replaces the parent's, never merges
        merged = deep_merge(merged, body)
    merged.pop("extends", None)
    return merged


def deep_merge(base: Dict[str, Any], over: Dict[str, Any]) -> Dict[str, Any]:
    """`over` laid on `base`: mappings merge key by key, anything else replaces. A new
    mapping that shares nothing with either, so a merged variant (or recipe row) can't
    change its defaults."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


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
        build = {**copy.deepcopy(SOURCE_DEFAULTS), **tf["source"]}
        if "version" not in build:
            raise where.error(at + ("tensorflow", "source"), "a source build needs `version`")
        if "opt" not in build["configs"]:
            raise where.error(at + ("tensorflow", "source", "configs"),
                              "configure writes copts under build:opt, so 'opt' must be among the configs")
        source = TensorflowSource("source", build=build)
    limits = s["limits"]
    try:
        memory = docker_limits.parse_memory(limits.get("memory", "4g"))
    except ValueError:
        raise where.error(at + ("limits", "memory"), f"cannot read memory {limits.get('memory')!r}",
                          hint="write e.g. 4g or 512m") from None
    problem = docker_limits.memory_problem(memory)
    if problem:
        raise where.error(at + ("limits", "memory"), f"memory {limits.get('memory')!r}: {problem}",
                          hint="write e.g. 4g (the default) or 1g; Docker reads k, m, g as powers of 1024")
    cpus = float(limits.get("cpus", 1))
    problem = docker_limits.cpus_problem(cpus)
    if problem:
        raise where.error(at + ("limits", "cpus"), problem, hint="e.g. cpus: 1 (the default) or cpus: 0.5")
    if limits.get("cpuset") is not None:
        try:
            docker_limits.parse_cpuset(limits["cpuset"])
        except ValueError:
            raise where.error(at + ("limits", "cpuset"), f"cpuset {limits['cpuset']!r} is not a list of CPUs",
                              hint="write " + docker_limits.CPUSET_RULE) from None
    s, knobs = _runtime_settings(where, raw, name, s)
    _check_inexact(where, name, knobs, s["may_change_predictions"])
    chain = _chain(where, raw, name)
    s = dict(s, env={k: str(v) for k, v in s["env"].items()})
    return Variant(
        name=name, description=s["description"], family=s.get("family") or f"python{s['python']}",
        parent=raw[name].get("extends"), reference=s.get("reference") or chain[-1],
        python=s["python"], suite=s["suite"], tensorflow=source, requirements=list(s["requirements"]),
        form=s.get("form"), runtime=s["runtime"], decoding=s["decoding"], early_stop=s["early_stop"],
        knobs=knobs,
        env=s["env"], allocator=s["allocator"],
        cpus=cpus, memory_bytes=memory, cpuset=limits.get("cpuset"),
        may_change_predictions=s["may_change_predictions"], settings=s,
    )

"""A build recipe: a folder with a Dockerfile and a version table, resolved for one variant.

The version table (``versions.yaml`` in the recipe folder) maps a TensorFlow
version to everything that differs between versions: base image, Python,
Bazel, build-time pins, source rewrites, configure environment and the build
steps. Rows state only what differs from the table's ``defaults``. Strings in
``build_args``, ``configure_env``, ``steps`` and ``rewrites`` may use
``{placeholders}``: every scalar of the row (``{bazel}``, ``{python}``, ...)
plus the variant's ``{version}``, ``{copts}``, ``{configs}`` (as
``--config=X --config=Y``), ``{jobs}``, ``{ram_mb}``, ``{xla}`` (1/0) and the
container paths ``{out}``, ``{cache}``, ``{workdir}``.

Nothing here needs a Docker engine: dry runs and the manifest lookups of
``built_wheel`` resolve recipes on their own.
"""

import hashlib
import json
import re
import shlex
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from .. import paths
from ..plan.load import deep_merge
from ..plan.variant import Plan, Variant
from ..errors import ConfigError, did_you_mean
from . import bazel as bazels

TABLE_NAME = "versions.yaml"
DEFAULT_RECIPE = "builders/tensorflow"
HASH_SCHEMA = 1
SKIPPED_NAMES = {"__pycache__", ".pytest_cache", ".mypy_cache"}
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".swp")
STEP_ORDER = ("prepare", "configure", "build", "package")
FETCH_ORDER = ("prepare", "configure", "fetch")   # --fetch-only: download every external archive, build nothing
DISTDIR_MOUNT = "/distdir"
# How the build reaches its dependencies; none of them changes the wheel, so none is in the recipe hash.
ACCESS_SETTINGS = ("distdir", "remote_cache", "fetch_only")
# Build settings that change the artifact, hence the recipe hash. jobs and ram_mb
# only bound resources, so changing them reuses the wheel.
ARTIFACT_SETTINGS = ("version", "copts", "configs", "xla")

ROW_KEYS = {
    "notes": "free text shown by --dry-run",
    "dockerfile": "the Dockerfile of the builder image, relative to the recipe folder",
    "base": "{image: ref} or {debian: suite, packages: [...]} (a tfopt.base image)",
    "python": "Python version the wheel is built for",
    "bazel": "Bazel version installed in the builder image",
    "bazel_accepts": "[lowest, highest] Bazel version the TF version's configure accepts",
    "bazel_table": "version table holding the `bazel:` sources (default: this one)",
    "build_pins": "pip requirements installed in the builder image at build time",
    "build_args": "Dockerfile ARGs (BASE_IMAGE is always passed)",
    "configure_env": "environment of the build container (./configure reads it)",
    "rewrites": "source edits before building: [{file, from, to, why}] (e.g. dead download URLs)",
    "configure_expect": "{file, lines: [...]}: lines configure must have written ({copt} repeats per copt)",
    "steps": "shell commands by phase: prepare, configure, build, package (and fetch, for --fetch-only)",
    "workdir": "working directory of the build container",
    "out": "folder the build leaves the wheel in (copied out after exit)",
    "cache": "mount point of the build-cache volume",
    "network": "whether the build container may use the network (Bazel downloads its deps)",
    "network_mode": "the container's network when it has one, e.g. host (downloads from this host's loopback)",
    "timeout_h": "hours before the build container is killed",
    "memory_headroom_mb": "container memory above ram_mb (Bazel's JVM, the linker)",
    "wheel_glob": "the wheel the build must produce, e.g. tensorflow-*.whl",
    "isa": "{library: glob inside the wheel, ignore_symbols: [regex, ...]}",
}
REQUIRED_ROW_KEYS = ("base", "python", "steps", "wheel_glob", "isa", "workdir", "out", "cache")


@dataclass(frozen=True)
class BaseRef:
    """The builder image's base: a registry reference, or a tfopt.base Debian image."""

    image: Optional[str] = None
    debian: Optional[str] = None
    packages: Tuple[str, ...] = ()
    python: Optional[str] = None

    def describe(self) -> str:
        if self.image:
            return self.image
        return (f"tfopt.build.base.ensure_base(suite={self.debian!r}, python={self.python!r}, "
                f"packages={list(self.packages)})")

    def as_dict(self) -> Dict[str, Any]:
        if self.image:
            return {"image": self.image}
        return {"debian": self.debian, "packages": sorted(self.packages), "python": self.python}


@dataclass
class Recipe:
    """Everything a build of one variant needs, resolved and rendered."""

    variant: str
    name: str                       # the recipe folder's name, e.g. "tensorflow"
    folder: Path
    table: Path
    version: str
    row: Dict[str, Any]             # defaults merged with the version's row
    settings: Dict[str, Any]        # the variant's tensorflow.source block, with defaults
    base: BaseRef
    build_args: Dict[str, str]      # without BASE_IMAGE (known only once the base exists)
    environment: Dict[str, str]
    commands: List[Tuple[str, str]]  # (phase, shell command), in order
    files_digest: str
    image_key: str
    recipe_hash: str
    bazel: Optional[bazels.BazelSource] = None
    access: Dict[str, Any] = field(default_factory=dict)  # distdir, remote_cache, fetch_only

    # --- derived --------------------------------------------------------------
    @property
    def image_tag(self) -> str:
        return f"tfopt-builder-{_slug(self.name)}:{self.version}-{self.image_key}"

    @property
    def cache_volume(self) -> str:
        return f"tfopt-build-cache-{_slug(self.name)}-{_slug(self.version)}"

    @property
    def workdir(self) -> str:
        return self.row["workdir"]

    @property
    def out_dir(self) -> str:
        return self.row["out"]

    @property
    def cache_dir(self) -> str:
        return self.row["cache"]

    @property
    def network(self) -> bool:
        """Off with a distdir (everything is in the bundle); on to fetch, or to reach a remote cache."""
        if self.access.get("distdir") and not self.access.get("remote_cache"):
            return False
        return bool(self.row.get("network", False)) or bool(self.access.get("remote_cache"))

    @property
    def network_mode(self) -> Optional[str]:
        if not self.network:
            return None
        if bazels.needs_host_network(self.access.get("remote_cache")):
            return "host"
        return self.row.get("network_mode")

    @property
    def fetch_only(self) -> bool:
        return bool(self.access.get("fetch_only"))

    @property
    def timeout_s(self) -> float:
        return float(self.row.get("timeout_h", 8)) * 3600

    @property
    def mem_limit(self) -> int:
        return (int(self.settings["ram_mb"]) + int(self.row.get("memory_headroom_mb", 2048))) << 20

    @property
    def wheel_glob(self) -> str:
        return self.row["wheel_glob"]

    @property
    def isa_library(self) -> str:
        return self.row["isa"]["library"]

    @property
    def isa_ignore_symbols(self) -> List[str]:
        return list(self.row["isa"].get("ignore_symbols") or [])

    @property
    def dockerfile(self) -> str:
        return self.row.get("dockerfile", "Dockerfile")

    @property
    def script(self) -> str:
        """The build container's command: every step, echoed, fail-fast, output on stderr."""
        lines = ["set -euo pipefail", "exec 1>&2", f"mkdir -p {shlex.quote(self.out_dir)}"]
        for phase, command in self.commands:
            lines.append("echo " + shlex.quote(f"tfopt[{phase}]$ {command}"))
            lines.append(command)
        return "\n".join(lines) + "\n"

    def flags(self) -> Dict[str, Any]:
        s = self.settings
        return {"copts": s["copts"], "configs": list(s["configs"]), "xla": bool(s["xla"]),
                "jobs": int(s["jobs"]), "ram_mb": int(s["ram_mb"])}

    def context_files(self) -> List[Path]:
        return recipe_files(self.folder)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", str(text).lower()).strip("-.") or "x"


# --- locating and reading ------------------------------------------------------
def recipe_folder(variant: Variant, plan: Optional[Plan] = None) -> Path:
    """The variant's recipe folder: absolute, or relative to the project root (then the plan's folder)."""
    build = variant.tensorflow.build or {}
    raw = build.get("recipe") or DEFAULT_RECIPE
    candidates = [Path(raw)] if Path(raw).is_absolute() else [paths.PROJECT_ROOT / raw, Path.cwd() / raw]
    if plan is not None and not Path(raw).is_absolute():
        candidates.append(Path(plan.path).resolve().parent / raw)
    for candidate in candidates:
        if (candidate / TABLE_NAME).is_file():
            return candidate.resolve()
    raise ConfigError(f"variant {variant.name!r}: recipe folder {raw!r} has no {TABLE_NAME}",
                      hint=f"looked in {', '.join(str(c) for c in candidates)}")


def recipe_files(folder: Path) -> List[Path]:
    """The files that make up a recipe (the Docker build context), sorted."""
    files = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part in SKIPPED_NAMES for part in rel.parts) or path.name.endswith(SKIPPED_SUFFIXES):
            continue
        if path.is_file():
            files.append(path)
    return files


def files_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in recipe_files(folder):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def load_table(folder: Path) -> Dict[str, Any]:
    table = folder / TABLE_NAME
    try:
        data = yaml.safe_load(table.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{table}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("versions"), dict) or not data["versions"]:
        raise ConfigError(f"{table}: expected `versions:` mapping TF version → row (and optional `defaults:`)")
    unknown = set(data) - {"defaults", "versions", "bazel"}
    if unknown:
        raise ConfigError(f"{table}: unknown top-level keys {sorted(unknown)}")
    return data


def table_row(folder: Path, version: str) -> Dict[str, Any]:
    """defaults deep-merged with the row for `version`, validated."""
    table = folder / TABLE_NAME
    data = load_table(folder)
    versions = {str(k): v for k, v in data["versions"].items()}
    if str(version) not in versions:
        raise ConfigError(
            f"{table}: no row for TensorFlow {version}" + did_you_mean(str(version), versions),
            hint=f"rows: {', '.join(versions)}; a new version is a new row in {table}")
    row = deep_merge(data.get("defaults") or {}, versions[str(version)] or {})
    _check_row(table, str(version), row)
    return row


def _check_row(table: Path, version: str, row: Dict[str, Any]) -> None:
    where = f"{table}: row {version}"
    for key in row:
        if key not in ROW_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}" + did_you_mean(key, ROW_KEYS),
                              hint="known keys: " + ", ".join(ROW_KEYS))
    for key in REQUIRED_ROW_KEYS:
        if key not in row:
            raise ConfigError(f"{where}: missing {key!r} ({ROW_KEYS[key]})")
    base = row["base"]
    if not isinstance(base, dict) or (("image" in base) == ("debian" in base)):
        raise ConfigError(f"{where}: base is either {{image: ref}} or {{debian: suite, packages: [...]}}")
    steps = row["steps"]
    if not isinstance(steps, dict) or not steps.get("build"):
        raise ConfigError(f"{where}: steps needs at least a `build` list")
    for phase, commands in steps.items():
        if phase not in STEP_ORDER + FETCH_ORDER:
            raise ConfigError(f"{where}: unknown step phase {phase!r}; use {', '.join(STEP_ORDER)} or fetch")
        if not isinstance(commands, list) or not all(isinstance(c, str) for c in commands):
            raise ConfigError(f"{where}: steps.{phase} is a list of shell commands")
    for rewrite in row.get("rewrites") or []:
        if not isinstance(rewrite, dict) or not {"file", "from", "to"} <= set(rewrite) <= {"file", "from", "to", "why"}:
            raise ConfigError(f"{where}: each rewrite is {{file, from, to, why (optional)}}, got {rewrite!r}")
    expect = row.get("configure_expect")
    if expect is not None and (not isinstance(expect, dict) or set(expect) != {"file", "lines"}
                               or not isinstance(expect["lines"], list)):
        raise ConfigError(f"{where}: configure_expect is {{file: PATH, lines: [...]}}, got {expect!r}")
    if not isinstance(row["isa"], dict) or "library" not in row["isa"]:
        raise ConfigError(f"{where}: isa needs `library` (a glob inside the wheel)")
    accepts = row.get("bazel_accepts")
    if accepts and row.get("bazel"):
        low, high = (_version_tuple(v) for v in accepts)
        if not low <= _version_tuple(row["bazel"]) <= high:
            raise ConfigError(f"{where}: bazel {row['bazel']} is outside {accepts}, which configure accepts")


def _version_tuple(text) -> Tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", str(text)))


# --- rendering -------------------------------------------------------------------
def _placeholders(row: Dict[str, Any], settings: Dict[str, Any]) -> Dict[str, str]:
    values = {k: str(v) for k, v in row.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    values.update({
        "version": str(settings["version"]),
        "copts": settings["copts"],
        "configs": " ".join(f"--config={c}" for c in settings["configs"]),
        "jobs": str(int(settings["jobs"])),
        "ram_mb": str(int(settings["ram_mb"])),
        "xla": "1" if settings["xla"] else "0",
        "build_pins": " ".join(row.get("build_pins") or []),
    })
    return values


def _render(text: str, values: Dict[str, str], where: str) -> str:
    names = [name for _, name, _, _ in string.Formatter().parse(text) if name]
    missing = [n for n in names if n not in values]
    if missing:
        raise ConfigError(f"{where}: unknown placeholder(s) {missing} in {text!r}",
                          hint="available: " + ", ".join(sorted(values)))
    return text.format_map(values)


def _sed_pattern(text: str) -> str:
    """A literal string as a sed basic regular expression (delimiter |)."""
    return re.sub(r"([\\|.*^$\[\]])", r"\\\1", text)


def _sed_replacement(text: str) -> str:
    return re.sub(r"([\\|&])", r"\\\1", text)


def _rewrite_commands(rewrites: List[Dict[str, str]]) -> List[str]:
    """sed edits, each followed by a check that it took (a silent miss would only fail hours later)."""
    commands = []
    for r in rewrites:
        expression = f"s|{_sed_pattern(r['from'])}|{_sed_replacement(r['to'])}|g"
        commands.append(f"sed -i {shlex.quote(expression)} {shlex.quote(r['file'])}")
        commands.append(f"grep -qF {shlex.quote(r['to'])} {shlex.quote(r['file'])}")
    return commands


def _expect_commands(expect: Optional[Dict[str, Any]], values: Dict[str, str], where: str) -> List[str]:
    """One check per line configure must have written: a default taken silently fails here, loudly."""
    if not expect:
        return []
    wanted: List[str] = []
    for line in expect["lines"]:
        if "{copt}" in line:
            wanted += [line.replace("{copt}", copt) for copt in shlex.split(values["copts"])]
        else:
            wanted.append(_render(line, values, where))
    target = shlex.quote(expect["file"])
    check = (f"tfopt_expect() {{ grep -qxF \"$1\" {target} || {{ echo \"tfopt: {expect['file']} lacks: $1 "
             f"(configure took a default the variant did not ask for); it wrote:\" >&2; cat {target} >&2; exit 3; }}; }}")
    return [check + "".join(f"; tfopt_expect {shlex.quote(line)}" for line in wanted)]


def resolve(variant: Variant, plan: Optional[Plan] = None, access: Optional[Dict[str, Any]] = None) -> Recipe:
    """The variant's recipe, resolved: row, rendered commands, hashes. No engine needed.

    `access` (distdir, remote_cache, fetch_only) overrides the variant's own source keys."""
    if variant.tensorflow.kind != "source":
        raise ConfigError(f"variant {variant.name!r} does not build TensorFlow from source "
                          f"(its tensorflow is {variant.tensorflow.describe()})",
                          hint="build-tf is for variants with `tensorflow: {source: {...}}`")
    settings = {"configs": ["opt"], "copts": "", "jobs": 2, "ram_mb": 8192, "xla": False,
                **(variant.tensorflow.build or {})}
    settings["version"] = str(settings["version"])
    chosen = {k: settings.get(k) for k in ACCESS_SETTINGS}
    chosen.update({k: v for k, v in (access or {}).items() if v})
    if chosen.get("distdir"):
        chosen["distdir"] = str(Path(chosen["distdir"]).expanduser().resolve())
    folder = recipe_folder(variant, plan)
    row = table_row(folder, settings["version"])
    source = _bazel_source(folder, row)
    values = _placeholders(row, settings)
    values["bazel_flags"] = bazels.access_flags(str(row.get("bazel") or ""), row["cache"],
                                                DISTDIR_MOUNT if chosen.get("distdir") else None,
                                                chosen.get("remote_cache"))
    where = f"{folder / TABLE_NAME}: row {settings['version']}"

    base_raw = row["base"]
    if "image" in base_raw:
        base = BaseRef(image=_render(str(base_raw["image"]), values, where))
    else:
        base = BaseRef(debian=str(base_raw["debian"]), packages=tuple(base_raw.get("packages") or ()),
                       python=str(base_raw["python"]) if base_raw.get("python") else None)

    build_args = {k: _render(str(v), values, where) for k, v in (row.get("build_args") or {}).items()}
    environment = {k: _render(str(v), values, where) for k, v in (row.get("configure_env") or {}).items()}
    commands: List[Tuple[str, str]] = []
    for cmd in _rewrite_commands(row.get("rewrites") or []):
        commands.append(("prepare", cmd))
    if chosen.get("distdir"):
        # a bundle's content-addressed files seed the repository cache: downloads that have
        # no usable file name (sha256_urls, ctx.download) are found there by sha256
        cache = shlex.quote(f"{row['cache']}/{bazels.CACHE_DIR_IN_CONTAINER}")
        commands.append(("prepare", f"if [ -d {DISTDIR_MOUNT}/content_addressable ]; then mkdir -p {cache} "
                                    f"&& cp -rn {DISTDIR_MOUNT}/content_addressable {cache}/; fi"))
    phases = FETCH_ORDER if chosen.get("fetch_only") else STEP_ORDER
    if chosen.get("fetch_only") and not row["steps"].get("fetch"):
        raise ConfigError(f"{where}: --fetch-only needs a `steps.fetch` list (bazel fetch, query of //external)")
    for phase in phases:
        for cmd in row["steps"].get(phase) or []:
            commands.append((phase, _render(cmd, values, where)))
        if phase == "configure":
            commands += [("configure", cmd) for cmd in _expect_commands(row.get("configure_expect"), values, where)]

    digest = files_digest(folder)
    image_key = _short_hash({"schema": HASH_SCHEMA, "recipe": folder.name, "files": digest,
                             "row": row, "base": base.as_dict(), "build_args": build_args,
                             "bazel": source.as_dict() if source else None}, 12)
    recipe_hash = _short_hash({"image": image_key,
                               "settings": {k: settings[k] for k in ARTIFACT_SETTINGS}}, 16)
    return Recipe(variant=variant.name, name=folder.name, folder=folder, table=folder / TABLE_NAME,
                  version=settings["version"], row=row, settings=settings, base=base,
                  build_args=build_args, environment=environment, commands=commands,
                  files_digest=digest, image_key=image_key, recipe_hash=recipe_hash,
                  bazel=source, access=chosen)


def _bazel_source(folder: Path, row: Dict[str, Any]) -> Optional[bazels.BazelSource]:
    """The row's Bazel, from the `bazel:` table of this recipe or of the one `bazel_table` names."""
    if not row.get("bazel"):
        return None
    table = folder / TABLE_NAME
    if row.get("bazel_table"):
        table = (paths.PROJECT_ROOT / row["bazel_table"]).resolve()
        if table.name != TABLE_NAME or not table.is_file():
            raise ConfigError(f"{folder / TABLE_NAME}: bazel_table {row['bazel_table']!r} is not a {TABLE_NAME}")
    return bazels.sources(table, load_table(table.parent), str(row["bazel"]))


def _short_hash(document: Any, length: int) -> str:
    blob = json.dumps(document, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:length]

"""`invoke build-tf --variant NAME`: build TensorFlow from source for a variant.

    build_tf(plan, name)        build (or reuse) the variant's wheel and register it
    built_wheel(variant)        the registered, sha-verified wheel for its current recipe, or None
    check_host_supports(entry)  UnsupportedHost unless this CPU has the wheel's instructions

A recipe is a folder (default builders/tensorflow) with a Dockerfile and a
version table (versions.yaml). The builder image comes from the Dockerfile;
the build runs in a container with a named volume for the Bazel cache (an
interrupted build resumes from it); the wheel is copied out into
wheelhouse/built/<variant>/<recipe-hash>/, disassembled to check its
instructions, and registered in wheelhouse/built/manifest.json.
"""

import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, List, Optional

from .. import paths
from ..plan.variant import Plan, Variant
from ..errors import BuildError, FetchError, UnsupportedHost
from ..log import log
from . import bazel as bazels
from . import bundle, isa, manifest
from .manifest import ManifestEntry
from .progress import BuildLog
from .recipe import Recipe, resolve



def built_wheel(variant: Variant, plan: Optional[Plan] = None) -> Optional[ManifestEntry]:
    """The registered wheel for the variant's current recipe hash, if its file still matches its sha256."""
    recipe = resolve(variant, plan)
    entry = manifest.find(variant.name, recipe.recipe_hash)
    return entry if entry is not None and entry.verified() else None


def check_host_supports(entry: ManifestEntry, cpuinfo: Path = Path("/proc/cpuinfo"), *,
                        flags: Optional[Iterable[str]] = None, where: str = "this host") -> None:
    """Raise UnsupportedHost when the wheel needs CPU instructions this host lacks (or, given
    `flags`, the machine `where` names: an engine's CPU, read on that engine)."""
    needed = set(entry.isa.get("required_cpu_flags") or [])
    if not needed:
        return
    have = set(flags) if flags is not None else isa.host_cpu_flags(cpuinfo)
    if not have:
        return  # not Linux/x86 as far as we can tell; the import itself will say more
    missing = sorted(needed - have)
    if missing:
        source = "its CPU flags" if flags is not None else f"the flags in {cpuinfo}"
        raise UnsupportedHost(
            f"the {entry.variant} wheel ({Path(entry.wheel).name}, copts '{entry.flags.get('copts', '')}') "
            f"uses CPU instructions {where} lacks: {', '.join(missing)} (not among {source}); "
            f"importing it would die with SIGILL",
            hint="run on a CPU that has them, or build with a lower -march (e.g. -march=x86-64-v2) "
                 "in the variant's tensorflow.source.copts")


def describe_build(recipe: Recipe) -> List[str]:
    """The resolved recipe, build arguments and exact commands, as printed by --dry-run."""
    row = recipe.row
    lines = [
        f"build-tf {recipe.variant}: {recipe.name} {recipe.version} from recipe {recipe.folder}",
        f"  version table   {recipe.table} (row {recipe.version})",
    ]
    if row.get("notes"):
        lines.append(f"  notes           {' '.join(str(row['notes']).split())}")
    lines += [
        f"  base image      {recipe.base.describe()}",
        f"  python          {row.get('python')}",
    ]
    if row.get("bazel"):
        accepts = row.get("bazel_accepts")
        lines.append(f"  bazel           {row['bazel']}" + (f" (configure accepts {accepts[0]}–{accepts[1]})" if accepts else ""))
    if recipe.bazel:
        lines += [f"    from          {text}" for text in bazels.describe(recipe.bazel)]
    for rewrite in row.get("rewrites") or []:
        lines.append(f"  rewrite         {rewrite['file']}: {rewrite['from'][:24]}… → {rewrite['to'][:24]}…"
                     + (f"  ({rewrite['why']})" if rewrite.get("why") else ""))
    access = recipe.access
    lines.append("  dependencies    " + (
        f"offline, from the bundle {access['distdir']} (--distdir"
        f"{'' if recipe.network else ', container network off'})" if access.get("distdir")
        else "downloaded by Bazel while it builds (container network on)"))
    if access.get("remote_cache"):
        lines.append(f"  remote cache    {access['remote_cache']}"
                     + (" (host network: the cache is on this host's loopback)" if recipe.network_mode else ""))
    if recipe.fetch_only:
        lines.append(f"  fetch only      every external archive → bundle {bundle_dir(recipe)} (nothing is built)")
    if row.get("build_pins"):
        lines.append(f"  build-time pins {' '.join(row['build_pins'])}")
    flags = recipe.flags()
    lines += [
        f"  copts           {flags['copts']}",
        f"  configs         {' '.join('--config=' + c for c in flags['configs'])}",
        f"  xla             {'on' if flags['xla'] else 'off'}",
        f"  jobs / ram_mb   {flags['jobs']} / {flags['ram_mb']} (container memory limit {recipe.mem_limit >> 20} MiB)",
        f"  recipe hash     {recipe.recipe_hash}  (recipe files {recipe.files_digest[:12]}, image key {recipe.image_key})",
        "",
        f"builder image   {recipe.image_tag}  (Engine.build, context {recipe.folder}, Dockerfile {recipe.dockerfile})",
        "  build args",
        f"    BASE_IMAGE={recipe.base.image or '<tag from ensure_base>'}",
    ]
    lines += [f"    {k}={v}" for k, v in recipe.build_args.items()]
    lines += [
        f"cache volume    {recipe.cache_volume} → {recipe.cache_dir}",
        f"build container network {recipe.network_mode or ('on' if recipe.network else 'off')}, "
        f"workdir {recipe.workdir}, "
        f"timeout {recipe.timeout_s / 3600:g} h, collects {recipe.out_dir}",
        "  environment",
    ]
    lines += [f"    {k}={v}" for k, v in recipe.environment.items()]
    lines.append("  commands (bash -euo pipefail)")
    lines += [f"    [{phase}] {command}" for phase, command in recipe.commands]
    target = manifest.wheel_dir(recipe.variant, recipe.recipe_hash)
    lines += [
        "",
        f"wheel           {recipe.wheel_glob} → {target}/",
        f"manifest        {manifest.manifest_path()}",
        f"ISA check       objdump -d {recipe.isa_library} on the host; expects "
        f"{', '.join(isa.expected_classes(flags['copts'])) or 'no FMA/AVX2/AVX-512'} instructions",
    ]
    return lines


def build_tf(plan: Plan, variant_name: str, *, force: bool = False, dry_run: bool = False,
             fetch_only: bool = False, distdir: Optional[str] = None,
             remote_cache: Optional[str] = None) -> Optional[ManifestEntry]:
    """Build (or reuse) the variant's TensorFlow wheel. Returns its manifest entry (None on a dry
    run or with fetch_only, which writes a bundle of every external archive instead)."""
    variant = plan.select([variant_name])[0]
    recipe = resolve(variant, plan, {"fetch_only": fetch_only, "distdir": distdir, "remote_cache": remote_cache})
    if recipe.access.get("distdir"):
        bundle.check(Path(recipe.access["distdir"]))
    if dry_run:
        for line in describe_build(recipe):
            log.info(line)
        log.info("(dry run: nothing was built)")
        return None
    existing = manifest.find(variant.name, recipe.recipe_hash)
    if existing is not None and not force and not fetch_only:
        if existing.verified():
            log.info(f"{variant.name}: wheel for recipe {recipe.recipe_hash} is built: {existing.wheel} "
                     f"(sha256 {existing.sha256[:12]}…); --force rebuilds it")
            return existing
        log.info(f"{variant.name}: the registered wheel is missing or its sha256 changed; rebuilding")
    from ..engine import Engine  # the engine is only needed past this point

    from ..engine.fleet import holding

    engine = Engine.connect()
    check_network(engine, recipe)
    with holding(engine, f"build-tf-{variant.name}"):
        if fetch_only:
            _fetch(engine, recipe)
            return None
        return _build(engine, recipe)


def check_network(engine, recipe: Recipe) -> None:
    """Fail in seconds, not hours in, when the build needs downloads the engine cannot give it."""
    if recipe.network_mode or not recipe.network:
        return
    if not engine.containers_have_network():
        raise FetchError(
            f"{recipe.variant}: the build downloads Bazel's external archives (GitHub, mirror.bazel.build, "
            f"storage.googleapis.com), but this Docker engine gives containers no network "
            f"(no bridge network: dockerd --bridge=none?)",
            hint=f"on a connected machine: invoke build-tf --variant {recipe.variant} --fetch-only, copy the "
                 f"bundle here, then invoke build-tf --variant {recipe.variant} --distdir BUNDLE "
                 f"(docs/build-tf.md, 'Offline')")


def bundle_dir(recipe: Recipe) -> Path:
    return paths.cache_dir() / "bundles" / f"{recipe.name}-{recipe.version}"


def _fetch(engine, recipe: Recipe) -> Path:
    """--fetch-only: run prepare, configure and fetch; turn what Bazel downloaded into a bundle."""
    from . import container

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    stem = paths.logs_dir() / "build-tf" / f"{recipe.variant}-fetch-{stamp}"
    build_log = BuildLog(stem.with_suffix(".log"), recipe.variant)
    staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=_ensure(paths.cache_dir() / "bundles")))
    try:
        image, volume = _prepare_engine(engine, recipe, build_log, stem)
        outcome = container.run_build(engine, container.container_spec(recipe, image, volume, staging), build_log)
        if outcome.exit_code != 0 or outcome.timed_out or outcome.oom_killed:
            raise BuildError(f"fetching the external archives of {recipe.variant} failed: the container "
                             f"{container.failure_reason(outcome, recipe.timeout_s)}; its log: {build_log.path}\n"
                             f"  last lines:\n{build_log.tail()}", hint=f"full log: {build_log.path}")
        target = bundle.make(staging, bundle_dir(recipe), recipe.variant)
        build_log.note(f"bundle {target} ({bundle.summary(target)}); build offline with "
                       f"invoke build-tf --variant {recipe.variant} --distdir {target}")
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        build_log.close()


def _prepare_engine(engine, recipe: Recipe, build_log: BuildLog, stem: Path):
    """Base image, Bazel on the host, builder image and cache volume: what every container run needs."""
    from . import container

    base = container.base_image(engine, recipe)
    build_log.record(f"builder base image {base}")
    binary = bazels.fetch(recipe.bazel) if recipe.bazel else None
    if binary:
        build_log.record(f"bazel {binary} (sha256 {recipe.bazel.binary_sha256})")
    image = container.ensure_builder_image(engine, recipe, base, build_log, stem.with_suffix(".image.log"), binary)
    return image, container.ensure_cache_volume(engine, recipe)


def _build(engine, recipe: Recipe) -> ManifestEntry:
    from . import container

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    stem = paths.logs_dir() / "build-tf" / f"{recipe.variant}-{recipe.recipe_hash}-{stamp}"
    build_log = BuildLog(stem.with_suffix(".log"), recipe.variant)
    manifest.unregister(recipe.variant, recipe.recipe_hash)  # a failed rebuild leaves nothing registered
    target = manifest.wheel_dir(recipe.variant, recipe.recipe_hash)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=_ensure(target.parent)))
    try:
        for line in describe_build(recipe):
            build_log.record(line)
        build_log.note(f"building {recipe.name} {recipe.version} for {recipe.variant} (recipe {recipe.recipe_hash}); "
                       f"full log: {build_log.path}")
        image, volume = _prepare_engine(engine, recipe, build_log, stem)
        spec = container.container_spec(recipe, image, volume, staging)
        build_log.note(f"running the build in a container (cache volume {volume} at {recipe.cache_dir})")
        with container.volume_lock(volume):
            started = time.monotonic()
            outcome = container.run_build(engine, spec, build_log)
            seconds = time.monotonic() - started
        if outcome.exit_code != 0 or outcome.timed_out or outcome.oom_killed:
            raise BuildError(
                f"building {recipe.name} {recipe.version} for {recipe.variant} failed: the build container "
                f"{container.failure_reason(outcome, recipe.timeout_s)}; its log: {build_log.path}\n"
                f"  last lines:\n{build_log.tail()}",
                hint=f"full log: {build_log.path}; finished work stays in volume {volume}, so a rerun resumes")
        wheel = _take_wheel(recipe, staging, target, build_log)
        build_log.note(f"checking the instructions in {recipe.isa_library} (objdump -d)")
        try:
            report = isa.inspect_wheel(wheel, recipe.isa_library, recipe.settings["copts"], recipe.isa_ignore_symbols)
        except BuildError as exc:  # hours of work stay on disk, unregistered, beside the log
            kept = Path(shutil.copy2(wheel, stem.parent / wheel.name))
            raise BuildError(f"{exc.args[0]}\n  the wheel is kept (not registered) at {kept}", hint=exc.hint) from None
        entry = ManifestEntry(
            variant=recipe.variant, recipe_hash=recipe.recipe_hash, recipe=str(recipe.folder),
            tf_version=recipe.version, flags=recipe.flags(), wheel=str(wheel),
            sha256=manifest.sha256_file(wheel), build_seconds=round(seconds, 1), log=str(build_log.path),
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            builder_image=image, isa=report,
        )
        manifest.register(entry)
        _say_isa(build_log, report)
        build_log.note(f"built {wheel} (build container {seconds / 60:.1f} min, total {build_log.elapsed() / 60:.1f} min, "
                       f"sha256 {entry.sha256[:12]}…)")
        return entry
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_if_empty(target.parent)
        build_log.close()


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _take_wheel(recipe: Recipe, staging: Path, target: Path, build_log: BuildLog) -> Path:
    wheels = sorted(staging.glob(recipe.wheel_glob))
    if len(wheels) != 1:
        found = sorted(p.name for p in staging.iterdir())
        raise BuildError(f"the build of {recipe.variant} left {len(wheels)} wheels matching {recipe.wheel_glob!r} "
                         f"in {recipe.out_dir} (found: {found or 'nothing'}); its log: {build_log.path}",
                         hint=f"full log: {build_log.path}")
    wheel = wheels[0]
    if f"-{recipe.version}-" not in wheel.name:
        raise BuildError(f"the build of {recipe.variant} made {wheel.name}, not version {recipe.version}; "
                         f"its log: {build_log.path}", hint="check the recipe's source download for that version")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    return Path(shutil.move(str(wheel), str(target / wheel.name)))


def _say_isa(build_log: BuildLog, report: dict) -> None:
    counts = report["counts"]
    summary = ", ".join(f"{c} {counts[c]}" for c in isa.COUNTED)
    if report["ok"]:
        build_log.note(f"ISA check: {report['library']} has {summary} instructions "
                       f"(expected {', '.join(report['expected']) or 'nothing special'})")
    else:
        build_log.note(f"ISA check WARNING: {report['library']} lacks {', '.join(report['missing'])} instructions "
                       f"its copts '{report['copts']}' promise ({summary}); recorded in the manifest")

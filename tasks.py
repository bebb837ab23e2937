"""tfopt's commands. Each task parses its flags and calls the library.

    invoke variants                      list variants with their resolved settings
    invoke profile --variant NAME ...    build (or reuse) images and profile them
    invoke profile --all                 the whole matrix
    invoke engines [--engine URL ...]    check the Docker engines a run would use
    invoke plot / invoke report          charts and the report of one run (latest, or --run ID)
    invoke build-tf --variant NAME       build TensorFlow from source for a variant
    invoke clean                         remove what tfopt made
    invoke demo                          the quickstart: a small default set, profiled and plotted
    invoke test                          unit, g2p (both TF stacks) and integration tests
"""

import functools
import sys
from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from tfopt.log import log  # noqa: E402  (these two import no third-party module: `invoke --list` stays fast)
from tfopt.plan.protocol import Protocol, flag_help  # noqa: E402

VARIANTS_FILE = str(ROOT / "variants.yaml")


def fatal_errors(fn):
    """Turn tfopt's typed errors into a message and their exit code, without a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from tfopt.errors import TfoptError

        try:
            return fn(*args, **kwargs)
        except TfoptError as exc:
            raise Exit(f"error: {exc}", code=exc.exit_code)
        except KeyboardInterrupt:
            raise Exit("interrupted: results measured so far are kept, the run is marked interrupted in its run.json; "
                       "containers were removed", code=130)

    return wrapper


def _plan(file, yes=False):
    """`yes` accepts large matrix grids; tasks acting on one named variant pass it, as size costs them nothing."""
    from tfopt.plan.load import load_plan

    return load_plan(Path(file), yes=yes)


def _required(value, flag, example):
    """A task's required flag. Required flags are not positional arguments, because invoke would take a
    `--help` typed after the task's name as their value instead of printing the task's help."""
    from tfopt.errors import ConfigError

    if value is None:
        raise ConfigError(f"{flag} is required", hint=f"e.g. {example}")
    return value


def _results_dir(results):
    from tfopt import paths
    from tfopt.errors import ConfigError

    folder = Path(results) if results else paths.results_dir()
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--results {folder} is a file; it names the results folder (the one holding runs/)",
                          hint="e.g. --results results")
    return folder


def _one_run(folder, run_id):
    """A run whose variants can be compared with another's: a multi-engine run's parent holds none
    (each engine's part does)."""
    from tfopt.errors import ConfigError
    from tfopt.records.documents import load_run

    run = load_run(folder, run_id)
    if run.is_parent:
        parts = ", ".join(run.record.parts.values()) or f"{run_id}@ENGINE"
        raise ConfigError(f"run {run_id} is a multi-engine run: its results are in one run per engine",
                          hint=f"compare one engine's part: {parts}")
    return run


def _out_dir(out):
    """`--out` of a task that writes several files: a folder, made if missing."""
    from tfopt.errors import ConfigError

    if out is None:
        return None
    if Path(out).exists() and not Path(out).is_dir():
        raise ConfigError(f"--out {out} is a file; this task writes several files into a folder",
                          hint="give a folder, e.g. --out /tmp/report (made if missing)")
    return Path(out)


def _out_file(out, default: Path) -> Path:
    """`--out` of a task that writes one file: that file (its folder made if missing), never a folder."""
    from tfopt.errors import ConfigError

    path = Path(out) if out else default
    if path.is_dir():
        raise ConfigError(f"--out {path} is a folder; this task writes one Markdown file",
                          hint=f"give a file name, e.g. --out {path / default.name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@task(help={"file": "the variants file (default: variants.yaml)",
            "yes": "accept matrix grids that expand past 200 variants"})
@fatal_errors
def variants(c, file=VARIANTS_FILE, yes=False):
    """List every variant with its resolved settings (after `extends` and `matrix:` expansion)."""
    from tfopt.plan.variant import describe

    plan = _plan(file, yes)
    for family, members in plan.families().items():
        log.info(f"== {family}")
        for v in members:
            for line in describe(v):
                log.info(line)
    if plan.aliases:
        log.info("== aliases")
        for alias, name in plan.aliases.items():
            log.info(f"{alias} → {name}")


@task(iterable=["variant", "aa", "engine"], auto_shortflags=False, help={
    **flag_help(),
    "variant": "a variant, alias, or a matrix grid's name for all its variants (repeatable)",
    "all": "profile every variant", "yes": "accept matrix grids that expand past 200 variants",
    "aa": "A/A check: also profile this variant as two arms in the same rounds (repeatable; "
          "alone: an A/A-only run)", "file": "the variants file",
    "results": "results folder (default results/)", "verbose": "stream every build log line",
    "isa": "count the instructions of every TF wheel for the report's ISA table (minutes per wheel, "
           "once; default: only where a family runs several wheels, and for wheels built from source)",
    "engine": "a Docker engine to run on (repeatable; each runs every round): unix:///path, tcp://host:2376, "
              "ssh://user@host, a Docker context, NAME=URL, or a name from the file's engines: "
              "(default: the local engine)",
    "swarm": "a Docker Swarm manager's endpoint: every ready node of that swarm is an engine of the run, each "
             "visit a job on it (needs --registry; default: the file's swarm:)",
    "registry": "HOST:PORT of the registry a swarm's nodes pull the images from (default: the file's registry:)",
})
@fatal_errors
def profile(c, variant=None, all=False, yes=False, aa=None, file=VARIANTS_FILE, results=None, verbose=False,
            engine=None, swarm=None, registry=None, rounds=None, repeats=None, warmups=None, seed=None, pin=None, max_words=None,
            timeout=None, target_ci=None, max_rounds=None, max_minutes=None, race=False, race_margin=None,
            race_tie=None, isa=False):
    """Build or reuse each variant's image and profile it under its limits. (The measuring flags are
    declared, with their defaults, once: tfopt/plan/protocol.py. None here means not given.)"""
    from tfopt.measure.pipeline import profile as run_profile

    plan = _plan(file, yes)
    names = list(plan.variants) if all else list(variant or [])
    protocol = Protocol.from_flags(
        rounds=rounds, repeats=repeats, warmups=warmups, seed=seed, pin=pin, max_words=max_words, timeout=timeout,
        target_ci=target_ci, max_rounds=max_rounds, max_minutes=max_minutes, race=race, race_margin=race_margin,
        race_tie=race_tie)
    run_profile(plan, names, protocol, _results_dir(results), aa=aa or [], verbose=verbose, engines=engine or [],
                isa=isa, swarm=swarm, registry=registry)


@task(iterable=["engine"], help={"engine": "an engine URL, NAME=URL or a name from engines: (repeatable; "
                                           "default: the file's engines:, else the local engine)",
                                 "file": "the variants file",
                                 "swarm": "a swarm manager's endpoint: list its nodes (needs --registry)",
                                 "registry": "HOST:PORT of the swarm's registry, checked too"})
@fatal_errors
def engines(c, engine=None, file=VARIANTS_FILE, swarm=None, registry=None):
    """Check that each engine answers; say what it is and whether a run holds it."""
    from tfopt.engine import fleet
    from tfopt.plan.engines import run_targets

    plan = _plan(file, yes=True)
    chosen = run_targets(engine or [], swarm, plan.engines, plan.swarm)
    for line in fleet.status_lines(fleet.connect(chosen, registry or plan.registry)):
        log.info(line)


@task(help={"run": "the run id (default: the latest run)", "results": "results folder (default results/)",
            "out": "write here instead of the run's folder results/runs/ID/"})
@fatal_errors
def plot(c, run=None, results=None, out=None):
    """Latency and speedup charts (PNG) of one run, in its folder."""
    from tfopt.render.views import render_plots

    for path in render_plots(_results_dir(results), run, _out_dir(out)):
        log.info(f"wrote {path}")


@task(help={"run": "the run id (default: the latest run)", "results": "results folder (default results/)",
            "out": "write here instead of the run's folder (the committed reference: --out results)"})
@fatal_errors
def report(c, run=None, results=None, out=None):
    """report.md and report.html of one run, with its plots, in the run's folder."""
    from tfopt.render.views import render_report

    for path in render_report(_results_dir(results), run, _out_dir(out)):
        log.info(f"wrote {path}")


@task(help={"write": "regenerate the marked figures in README.md (default: only check)",
            "readme": "the README to check (default: README.md)", "results": "results folder"})
@fatal_errors
def readme_figures(c, write=False, readme=None, results=None):
    """Check (or --write) README figures against the committed run the README names."""
    from tfopt.plan.load import read_text
    from tfopt.records.documents import load_run
    from tfopt.render.readme_figures import sync

    readme = Path(readme) if readme else ROOT / "README.md"
    read_text(readme, "a README", hint="pass the README to check, e.g. --readme README.md")
    problems = sync(readme, lambda run_id: load_run(_results_dir(results), run_id), write)
    for problem in problems:
        log.info(problem)
    if problems and not write:
        raise Exit("README figures differ from the run: invoke readme-figures --write", code=2)
    log.info("README figures regenerated" if problems else "README figures match the run")


@task(help={"variant": "the source-build variant", "force": "rebuild even if a wheel exists",
            "dry_run": "print the resolved recipe and commands only", "file": "the variants file",
            "fetch_only": "download every external archive into a bundle (with a manifest); build nothing",
            "distdir": "build offline from a bundle made by --fetch-only (container network off)",
            "remote_cache": "a Bazel remote cache URL (http(s):// or grpc(s)://) shared by many builds"})
@fatal_errors
def build_tf(c, variant=None, force=False, dry_run=False, file=VARIANTS_FILE, fetch_only=False, distdir=None,
             remote_cache=None):
    """Build TensorFlow from source for a variant; the wheel goes into the wheelhouse."""
    from tfopt.source_build.build import build_tf as build

    build(_plan(file, yes=True), _required(variant, "--variant NAME", "invoke build-tf --variant avx2"), force=force, dry_run=dry_run, fetch_only=fetch_only, distdir=distdir,
          remote_cache=remote_cache)


@task(help={"variant": "the variant to record", "duration": "seconds of profiling (default 30)",
            "file": "the variants file", "results": "results folder (default results/)"})
@fatal_errors
def flamegraph(c, variant=None, duration=None, file=VARIANTS_FILE, results=None):
    """py-spy flame graph of the profiler inside the variant's container."""
    from tfopt.measure.flamegraph import record

    from tfopt.errors import ConfigError

    variant = _required(variant, "--variant NAME", "invoke flamegraph --variant tf1-optimized")
    duration = "30" if duration is None else str(duration).strip()  # text: invoke would parse an int default itself
    if not duration.isdigit() or int(duration) < 1:
        raise ConfigError(f"--duration {duration!r} is not a whole number of seconds (1 or more)",
                          hint="e.g. --duration 30")
    path = record(_plan(file, yes=True), variant, _results_dir(results), duration=int(duration))
    log.info(f"wrote {path}")


@task(help={"wheelhouse": "also remove the wheelhouse and base-image caches (default yes)",
            "swarm": "also remove tfopt's services of this swarm manager (those of DOCKER_HOST's engine, "
                     "when it is a manager, always go)"})
@fatal_errors
def clean(c, wheelhouse=True, swarm=None):
    """Remove what tfopt made: labelled services, containers, images, volumes, and the wheelhouse."""
    from tfopt.engine.clean import clean as do_clean

    do_clean(wheelhouse=wheelhouse, swarm=swarm)


@task
@fatal_errors
def demo(c):
    """The quickstart: profile the default variants, then plot and report."""
    from tfopt.measure.pipeline import DEFAULT_VARIANTS, DEMO_PROTOCOL

    profile(c, variant=list(DEFAULT_VARIANTS), **DEMO_PROTOCOL)
    report(c)  # renders the plots too


@task(help={"only": "unit, g2p or integration (default: all three)"})
@fatal_errors
def test(c, only=None):
    """Unit tests, the g2p tests on both TensorFlow stacks, and the integration tests."""
    from tfopt.dev.testing import run_suites

    code = run_suites(only)
    if code:
        raise Exit(code=code)


@task(iterable=["run"], help={"run": "a run id; give exactly two, the earlier first",
                              "out": "the Markdown file to write (default: results/back-to-back.md)",
                              "results": "results folder (default results/)"})
@fatal_errors
def compare_runs(c, run=None, out=None, results=None):
    """Does a second run reproduce the first? Speedups of both, each inside its own run."""
    from tfopt.errors import ConfigError
    from tfopt.render.back_to_back import write

    if len(run or []) != 2:
        raise ConfigError("give exactly two runs: --run FIRST --run SECOND", hint="`ls results/runs` lists them")
    folder = _results_dir(results)
    path = write(_one_run(folder, run[0]), _one_run(folder, run[1]), _out_file(out, folder / "back-to-back.md"))
    log.info(f"wrote {path}")


@task(help={"race": "the run made with `invoke profile --race`", "full": "the same variants profiled fully "
            "for the race's rounds (`--rounds R`)", "out": "the Markdown file to write (default: "
            "results/race-vs-full.md)", "results": "results folder (default results/)"})
@fatal_errors
def race_vs_full(c, race=None, full=None, out=None, results=None):
    """What racing saved against profiling the same grid fully, and whether the full run agrees."""
    from tfopt.render.race_vs_full import write

    hint = "invoke race-vs-full --race RACE_RUN --full FULL_RUN (`ls results/runs` lists them)"
    race, full = _required(race, "--race RUN", hint), _required(full, "--full RUN", hint)
    folder = _results_dir(results)
    path = write(_one_run(folder, race), _one_run(folder, full), _out_file(out, folder / "race-vs-full.md"))
    log.info(f"wrote {path}")

"""The statistics tests catch the known mistakes: each mutation below is one such mistake,
applied to a copy of tfopt/ in a temporary folder (the tracked source is never touched); the
statistics tests then run against the copy, and at least one of them must fail.

Each mutation's anchors must match tfopt/analysis/stats.py exactly once: when the code they
were written against changes, the anchor test says so instead of the mutation silently
testing nothing. Anchors are on the math, not on signatures."""

import os
import shutil
import subprocess
import sys

import pytest

from tfopt import paths

SOURCE = paths.PROJECT_ROOT / "tfopt"
STATS = SOURCE / "analysis" / "stats.py"
STATS_TESTS = [paths.PROJECT_ROOT / "tests" / "unit" / name for name in ("test_stats.py", "test_stats_coverage.py")]

BOOT = '''
def _boot_median(calls, rng, n=2000):
    return np.median(calls[rng.integers(0, len(calls), (n, len(calls)))], axis=1)
'''
MUTATIONS = {
    "z=1.96 instead of the t quantile": [
        ("return scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, df)",
         "return scipy_stats.norm.ppf(0.5 + CONFIDENCE / 2) + 0 * np.asarray(df)")],
    "pooled df instead of Welch-Satterthwaite": [
        ("df = se2 ** 2 / (vx ** 2 / (nx - 1) + vy ** 2 / (ny - 1))",
         "df = se2 * 0 + (nx + ny - 2)")],
    "SD instead of SE": [
        ("vx, vy = x.var(axis=-1, ddof=1) / nx, y.var(axis=-1, ddof=1) / ny",
         "vx, vy = x.var(axis=-1, ddof=1), y.var(axis=-1, ddof=1)"),
        ("x.std(axis=-1, ddof=1) / np.sqrt(n)", "x.std(axis=-1, ddof=1)")],
    "arithmetic mean over word counts": [
        ("float(np.mean([np.log(np.median(c.samples_ms[w])) for w in cases])))",
         "float(np.log(np.mean([np.median(c.samples_ms[w]) for w in cases]))))")],
    "arithmetic mean over containers": [
        ("return x.mean(axis=-1) - y.mean(axis=-1), np.sqrt(se2), df",
         "return np.log(np.exp(x).mean(axis=-1)) - np.log(np.exp(y).mean(axis=-1)), np.sqrt(se2), df"),
        ("return x.mean(axis=-1), x.std(axis=-1, ddof=1) / np.sqrt(n)",
         "return np.log(np.exp(x).mean(axis=-1)), x.std(axis=-1, ddof=1) / np.sqrt(n)")],
    "flipped A/A sign": [
        ("difference=1 / r.value - 1, low=1 / r.high - 1, high=1 / r.low - 1",
         "difference=r.value - 1, low=r.low - 1, high=r.high - 1")],
    "calls as the unit (per-call figures)": [
        ("            out.setdefault(c.round, []).append(float(np.log(np.median(c.samples_ms[words]))))",
         "            out.setdefault(None, []).extend(np.log(c.samples_ms[words]).tolist())")],
    "call-level bootstrap of per-case medians": [
        ("    logs = np.array([np.log(np.median(c)) for c in containers])\n    if len(logs) >= 2:\n"
         "        ci = _interval(*one_sample(logs), ONE_SAMPLE, len(logs))",
         "    logs = np.array([np.log(np.median(c)) for c in containers])\n    if len(logs) >= 2:\n"
         "        _d = np.log(_boot_median(np.concatenate(list(containers)), np.random.default_rng(0)))\n"
         "        _lo, _hi = np.percentile(_d, [2.5, 97.5])\n"
         "        ci = LogInterval(float(logs.mean()), float((_hi - _lo) / 2 / t_quantile(1e9)), 1e9, ONE_SAMPLE,"
         " len(logs))"),
        ("# ---------------------------------------------------------------- per-case summary", BOOT)],
    "zero spread called significant": [("    if not se > 0 or not np.isfinite(df):", "    if False:")],
    "silent fallback with one container": [
        ("    if few:\n        return _no_interval(", "    if few and False:\n        return _no_interval(")],
    "blocked analysis ignored (always Welch)": [("    if blockable:", "    if False:")],
}


def mutated(text: str, edits) -> str:
    for old, new in edits:
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize("name", MUTATIONS)
def test_every_anchor_matches_the_statistics_source_once(name):
    text = STATS.read_text()
    for old, _ in MUTATIONS[name]:
        assert text.count(old) == 1, f"{name}: anchor no longer matches tfopt/analysis/stats.py once:\n{old}"


def run_stats_tests(tmp_path, stats_text: str) -> subprocess.CompletedProcess:
    """The statistics tests against a copy of tfopt/ whose analysis/stats.py is `stats_text`."""
    copy = tmp_path / "tfopt"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "analysis" / "stats.py").write_text(stats_text)
    # run from the copy's folder: `python -m` puts the working directory first on sys.path
    env = dict(os.environ, PYTHONPATH=str(tmp_path), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                           *map(str, STATS_TESTS)], cwd=tmp_path, env=env, capture_output=True, text=True)


def test_the_unmutated_copy_passes(tmp_path):
    """Without this, a copy that fails for another reason would let every mutation look caught."""
    done = run_stats_tests(tmp_path, STATS.read_text())
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.parametrize("name", MUTATIONS)
def test_every_mutation_makes_a_statistics_test_fail(tmp_path, name):
    done = run_stats_tests(tmp_path, mutated(STATS.read_text(), MUTATIONS[name]))
    # 1: tests failed; 2 or more would be a collection or usage error, which proves nothing
    said = done.stdout[-3000:] + done.stderr[-3000:]
    assert done.returncode == 1, f"{name}: the statistics tests did not fail\n{said}"
    assert " failed" in done.stdout, said

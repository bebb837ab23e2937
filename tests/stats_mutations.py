"""Mutation check of the statistics tests: apply one known mistake at a time to
tfopt/analysis/stats.py, run the stats tests, restore the file (also on error). Every mutation
must make at least one test fail.  Usage: .venv/bin/python tests/stats_mutations.py [NAME...]"""
import subprocess, sys, pathlib
root = pathlib.Path(__file__).resolve().parent.parent
src = root / "tfopt/analysis/stats.py"
orig = src.read_text()
BOOT = '''
def _boot_median(calls, rng, n=2000):
    return np.median(calls[rng.integers(0, len(calls), (n, len(calls)))], axis=1)
'''
M = {
 "z=1.96 instead of the t quantile": [("return scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, df)",
                                       "return scipy_stats.norm.ppf(0.5 + CONFIDENCE / 2) + 0 * np.asarray(df)")],
 "pooled df instead of Welch-Satterthwaite": [("df = se2 ** 2 / (vx ** 2 / (nx - 1) + vy ** 2 / (ny - 1))",
                                               "df = se2 * 0 + (nx + ny - 2)")],
 "SD instead of SE": [("vx, vy = x.var(axis=-1, ddof=1) / nx, y.var(axis=-1, ddof=1) / ny",
                       "vx, vy = x.var(axis=-1, ddof=1), y.var(axis=-1, ddof=1)"),
                      ("x.std(axis=-1, ddof=1) / np.sqrt(n)", "x.std(axis=-1, ddof=1)")],
 "arithmetic mean over word counts": [("float(np.mean([np.log(np.median(c.samples_ms[w])) for w in cases])))",
                                       "float(np.log(np.mean([np.median(c.samples_ms[w]) for w in cases]))))")],
 "arithmetic mean over containers": [("return x.mean(axis=-1) - y.mean(axis=-1), np.sqrt(se2), df",
                                      "return np.log(np.exp(x).mean(axis=-1)) - np.log(np.exp(y).mean(axis=-1)), np.sqrt(se2), df"),
                                     ("return x.mean(axis=-1), x.std(axis=-1, ddof=1) / np.sqrt(n)", "return np.log(np.exp(x).mean(axis=-1)), x.std(axis=-1, ddof=1) / np.sqrt(n)")],
 "flipped A/A sign": [("difference=1 / r.value - 1, low=1 / r.high - 1, high=1 / r.low - 1",
                       "difference=r.value - 1, low=r.low - 1, high=r.high - 1")],
 "calls as the unit (per-call figures)": [
     ("            out.setdefault(c.round, []).append(float(np.log(np.median(c.samples_ms[words]))))",
      "            out.setdefault(None, []).extend(np.log(c.samples_ms[words]).tolist())")],
 "call-level bootstrap of per-case medians": [
     ("    logs = np.array([np.log(np.median(c)) for c in containers])\n    if len(logs) >= 2:\n        ci = _interval(*one_sample(logs), ONE_SAMPLE, len(logs))",
      "    logs = np.array([np.log(np.median(c)) for c in containers])\n    if len(logs) >= 2:\n        _d = np.log(_boot_median(np.concatenate(list(containers)), np.random.default_rng(0)))\n        _lo, _hi = np.percentile(_d, [2.5, 97.5]); _m = np.log(np.median(np.concatenate(list(containers))))\n        ci = LogInterval(float(logs.mean()), float((_hi - _lo) / 2 / t_quantile(1e9)), 1e9, ONE_SAMPLE, len(logs))"),
     ("# ---------------------------------------------------------------- per-case summary", BOOT)],
 "zero spread called significant": [("    if not se > 0 or not np.isfinite(df):", "    if False:")],
 "silent fallback with one container": [("    if few:\n        return _no_interval(", "    if few and False:\n        return _no_interval(")],
 "blocked analysis ignored (always Welch)": [("    if blockable:", "    if False:")],
}
only = sys.argv[1:]
survivors = []
for name, edits in M.items():
    if only and name not in only: continue
    text = orig
    for old, new in edits:
        assert text.count(old) == 1, (name, old)
        text = text.replace(old, new)
    src.write_text(text)
    try:
        r = subprocess.run([str(root / ".venv/bin/pytest"), "-q", "-p", "no:cacheprovider",
                            "tests/unit/test_stats.py", "tests/unit/test_stats_coverage.py"],
                           cwd=root, capture_output=True, text=True)
    finally:
        src.write_text(orig)
    failed = [l.split("::")[1].split(" ")[0] for l in r.stdout.splitlines() if l.startswith("FAILED")]
    print(f"{name}: {len(failed)} failing: {', '.join(failed) or 'NONE (mutation survives!)'}", flush=True)
    survivors += [] if failed else [name]
sys.exit(1 if survivors else 0)

"""Charts of a set of results: latency by word count and speedup, one pair per family; and
of a multi-engine run, each variant's speedup engine by engine."""

import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator  # noqa: E402

from ..analysis import gate, stats  # noqa: E402
from ..analysis.race_record import history
from ..records.documents import Run, VariantResult  # noqa: E402

DIFFERS_MARK = "✗ predictions differ"
LOG_SCALE_RANGE = 10.0  # use a log axis when max/min exceeds this
PUBLISHED_ORDER = ["initial", "AVX2 and FMA", "MKL", "MKL single thread",
                   "MKL single thread OMP", "SavedModel", "FrozenModel", "OptimizedModel"]
FASTER, SLOWER, SAME = "#2e7d32", "#c62828", "#9e9e9e"
LOG_TICK_STEPS = ((1, 2, 5), (1, 1.5, 2, 3, 5, 7), (1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2, 2.5, 3, 4, 5, 6, 7, 8, 9))


def limits_label(results: Dict[str, VariantResult]) -> str:
    """'1 CPU, 4 GiB' from the results' container limits ('mixed limits' if they differ)."""
    seen = set()
    for limits in (doc.limits for doc in results.values()):
        cpu_text = f"{limits.cpus:g} CPU" if limits.cpus else "no CPU limit"
        mem_text = f"{limits.memory_bytes / 2**30:g} GiB" if limits.memory_bytes else "no memory limit"
        seen.add(f"{cpu_text}, {mem_text}" + (f", cpuset {limits.cpuset}" if limits.cpuset else ""))
    return seen.pop() if len(seen) == 1 else "mixed limits"


def variant_label(results: Dict[str, VariantResult], name: str) -> str:
    label = name
    if results[name].is_reference:
        label += " (reference)"
    if gate.status(results, name) == gate.DIFFERS:
        label += f"  {DIFFERS_MARK}"
    return label


def _colors(n: int) -> List:
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def _nice_log_ticks(low: float, high: float) -> List[float]:
    """1-2-5 ticks covering [low, high] (finer steps where that leaves fewer than three), so a
    log axis reads in plain numbers."""
    for steps in LOG_TICK_STEPS:
        ticks, decade = [], 10.0 ** (int(f"{low:e}".split("e")[1]) - 1)
        while decade <= high * 10:
            ticks += [m * decade for m in steps if low / 1.05 <= m * decade <= high * 1.05]
            decade *= 10
        if len(ticks) >= 3:
            break
    return ticks


def _plain_log_axis(axis, low: float, high: float, suffix: str = "") -> None:
    axis.set_major_locator(FixedLocator(_nice_log_ticks(low, high)))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}{suffix}"))


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _protocol_note(results: Dict[str, VariantResult], names: Sequence[str]) -> str:
    visits = sorted({len(stats.profiles(results[n])) for n in names})
    counts = sorted({s.n for n in names for s in stats.summarize(results[n]).values()})
    visit_text = f"{visits[0]}" if len(visits) == 1 else f"{visits[0]}–{visits[-1]}"
    n_text = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
    return f"{n_text} calls per point over {visit_text} fresh containers (geometric mean of container medians)"


def latency_chart(results: Dict[str, VariantResult], family: str, names: Sequence[str], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(11, 6))
    lows, highs = [], []
    for color, name in zip(_colors(len(names)), names):
        summary = stats.summarize(results[name])
        if not summary:
            continue
        words = list(summary)
        med = [s.median for s in summary.values()]
        differs = gate.status(results, name) == gate.DIFFERS
        is_ref = results[name].is_reference
        ax.plot(words, med, marker="o", markersize=3.5, color=color,
                linewidth=2.6 if is_ref else 1.6, linestyle="--" if differs else "-",
                label=variant_label(results, name))
        ax.fill_between(words, [s.ci_low for s in summary.values()],
                        [s.ci_high for s in summary.values()], color=color, alpha=0.2, linewidth=0)
        lows.append(min(s.ci_low for s in summary.values()))
        highs.append(max(s.ci_high for s in summary.values()))
    if lows and min(lows) > 0 and max(highs) / min(lows) > LOG_SCALE_RANGE:
        ax.set_yscale("log")
        _plain_log_axis(ax.yaxis, min(lows), max(highs))
        ax.set_ylabel("ms per predict() call (log scale)")
    else:
        ax.set_ylim(bottom=0)
        ax.set_ylabel("ms per predict() call")
    ax.set_xlabel("input words per predict() call")
    ax.set_xticks(range(1, 21))
    ax.set_xlim(0.5, 20.5)
    ax.grid(True, which="major", alpha=0.35)
    ax.grid(True, which="minor", alpha=0.12)
    ax.set_title(f"g2p predict() latency, family {family} — {limits_label(results)}\n"
                 f"{_protocol_note(results, names)}; band: 95% t-interval over containers; lower is better",
                 fontsize=11)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title="variant")
    return _save(fig, path)


def speedup_chart(results: Dict[str, VariantResult], family: str, names: Sequence[str], path: Path) -> Optional[Path]:
    rows = [(n, stats.against_reference(results, n)) for n in names]
    rows = [(n, s) for n, s in rows if s is not None]
    if not rows:
        return None
    reference = rows[0][1].baseline
    fig, ax = plt.subplots(figsize=(11, max(2.8, 0.55 * len(rows) + 1.8)))
    extremes = [s.overall.low for _, s in rows] + [s.overall.high for _, s in rows] + [1.0]
    log = max(extremes) / min(extremes) > 4
    if log:
        ax.set_xscale("log")
    for y, (name, s) in enumerate(rows):
        r = s.overall
        color = FASTER if r.faster else SLOWER if r.slower else SAME
        differs = gate.status(results, name) == gate.DIFFERS
        ax.barh(y, r.value - 1.0, left=1.0, height=0.55, color=color,
                hatch="///" if differs else None, edgecolor="black" if differs else color,
                alpha=0.85)
        ax.errorbar(r.value, y, xerr=[[r.value - r.low], [r.high - r.value]], fmt="none",
                    ecolor="black", capsize=4, linewidth=1.2)
    ax.axvline(1.0, color="black", linewidth=1.2)
    lo, hi = min(extremes), max(extremes)
    if log:
        ax.set_xlim(lo / 1.6, hi * 6)
    else:
        span = hi - lo
        ax.set_xlim(lo - 0.1 * span - 0.02, hi + 0.6 * span + 0.02)
    if log:
        _plain_log_axis(ax.xaxis, lo / 1.6, hi * 6, "x")
    for y, (name, s) in enumerate(rows):
        ax.annotate(s.describe(), (max(s.overall.high, 1.0), y), xytext=(8, 0),
                    textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([variant_label(results, n).replace("  ", "\n") for n, _ in rows])
    for tick, (name, _) in zip(ax.get_yticklabels(), rows):
        if gate.status(results, name) == gate.DIFFERS:
            tick.set_color(SLOWER)
    ax.set_ylim(len(rows) - 0.4, -0.6)  # first variant on top
    scale = " (log scale)" if log else ""
    ax.set_xlabel(f"speedup against {reference}: its time / variant time{scale}; "
                  f"> 1 is faster")
    ax.grid(True, axis="x", which="both", alpha=0.3)
    ax.set_title(f"Speedup against the reference {reference}, family {family} — "
                 f"{limits_label(results)}\nratio of per-container geometric-mean times over "
                 f"word counts 1–20; whiskers: 95% CI over containers ({_methods(rows)})", fontsize=11)
    legend = [Patch(color=FASTER, label="faster"), Patch(color=SLOWER, label="slower"),
              Patch(color=SAME, label="no significant difference"),
              Patch(facecolor="white", edgecolor="black", hatch="///", label=DIFFERS_MARK)]
    ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _save(fig, path)


def _methods(rows) -> str:
    found = sorted({s.method for _, s in rows if s.method != stats.NONE})
    return ", ".join("blocked by round" if m == stats.BLOCKED else "Welch t" for m in found) or "none"


def engines_speedup_chart(rows: Sequence[Tuple[str, Dict[str, Optional[stats.Ratio]]]],
                          engines: Sequence[Tuple[str, str]], path: Path) -> Optional[Path]:
    """Grouped bars of a multi-engine run: per variant (rows: label, {engine: its speedup against
    its reference on that engine, or None}), one bar per engine (engines: name, legend label).
    Nothing is drawn without a single speedup."""
    ratios = [r for _, by_engine in rows for r in by_engine.values() if r is not None]
    if not ratios:
        return None
    colors = dict(zip((name for name, _ in engines), _colors(len(engines))))
    bar = 0.8 / len(engines)
    fig, ax = plt.subplots(figsize=(11, max(3.0, len(rows) * (0.35 + 0.32 * len(engines)) + 1.8)))
    extremes = [r.low for r in ratios] + [r.high for r in ratios] + [1.0]
    lo, hi = min(extremes), max(extremes)
    log = hi / lo > 4
    for y, (_, by_engine) in enumerate(rows):
        for j, (engine, _) in enumerate(engines):
            pos = y - 0.4 + bar * (j + 0.5)
            r = by_engine.get(engine)
            if r is None:
                ax.annotate("not measured", (1.0, pos), xytext=(4, 0), textcoords="offset points",
                            va="center", fontsize=8, color=SAME)
                continue
            ax.barh(pos, r.value - 1.0, left=1.0, height=bar * 0.9, color=colors[engine],
                    alpha=0.9 if r.significant else 0.35, edgecolor=colors[engine],
                    hatch=None if r.significant else "...")
            if r.has_interval:
                ax.errorbar(r.value, pos, xerr=[[r.value - r.low], [r.high - r.value]], fmt="none",
                            ecolor="black", capsize=3, linewidth=1.0)
            right = r.value >= 1.0
            ax.annotate(f"{r.value:.2f}x", (max(r.high, 1.0) if right else min(r.low, 1.0), pos),
                        xytext=(5 if right else -5, 0), textcoords="offset points", va="center",
                        ha="left" if right else "right", fontsize=8)
    ax.axvline(1.0, color="black", linewidth=1.2)
    if log:
        ax.set_xscale("log")
        ax.set_xlim(lo / 1.4, hi * 2.5)
        _plain_log_axis(ax.xaxis, lo / 1.4, hi * 2.5, "x")
    else:
        span = hi - lo
        ax.set_xlim(lo - 0.1 * span - 0.02, hi + 0.25 * span + 0.05)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([label for label, _ in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first variant on top
    ax.grid(True, axis="x", which="both", alpha=0.3)
    ax.set_xlabel("speedup against the variant's reference on the same engine: reference time / "
                  "variant time" + (" (log scale)" if log else "") + "; > 1 is faster")
    ax.set_title("Speedup against the reference, engine by engine\nevery ratio is between two variants "
                 "measured on one engine in the same rounds; whiskers: 95% CI over containers; "
                 "faded: no significant difference", fontsize=11)
    handles = [Patch(color=colors[name], label=label) for name, label in engines]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title="engine")
    return _save(fig, path)


def race_chart(run: Run, path: Path) -> Optional[Path]:
    """A raced run round by round (race_record.history): each variant's time against the race's best as
    the race knew it after every round, ending where the variant was dropped; below, the survivors."""
    record, series = run.race, history(run)
    if not series:
        return None
    fig, (ax, below) = plt.subplots(2, 1, sharex=True, figsize=(11, 7.5),
                                    gridspec_kw={"height_ratios": [4, 1], "hspace": 0.08})
    ax.axvspan(0.5, stats.MIN_BLOCKS - 0.5, color=SAME, alpha=0.15, linewidth=0,
               label=f"before round {stats.MIN_BLOCKS}: no drops, no band")
    ax.axhline(1.0, color="black", linewidth=2,
               label=f"{record.best} ({'winner' if record.winner else 'best survivor'})")
    ax.axhline(1 + record.margin, color="black", linestyle=":", linewidth=1.2,
               label=f"drop margin +{record.margin:.0%}: a CI wholly above it\n(against the best of that round) drops")
    dropped = {d.name for d in record.dropped}
    for color, (name, points) in zip(_colors(len(series)), series.items()):
        ax.plot([p[0] for p in points], [p[1] for p in points], color=color, marker="o", markersize=3.5,
                linewidth=1.8, label=name + ("  ✂" if name in dropped else ""))
        band = [p for p in points if p[0] >= stats.MIN_BLOCKS and p[2] is not None]
        ax.fill_between([p[0] for p in band], [p[2] for p in band], [p[3] for p in band],
                        color=color, alpha=0.12, linewidth=0)
        if name in dropped:
            k, value, low, high = points[-1]
            if low is not None:  # its CI at the drop, visible even where the band is one round wide
                ax.errorbar(k, value, yerr=[[value - low], [high - value]], color=color, capsize=5, linewidth=1.4)
            ax.plot(k, value, marker="X", markersize=11, color=color, markeredgecolor="black")
            inside = k < run.rounds_done  # a last-round drop's label goes left, inside the axes
            ax.annotate(f"✂ after round {k}", (k, value), xytext=(6 if inside else -6, 10),
                        textcoords="offset points", ha="left" if inside else "right", fontsize=8.5,
                        color=color, fontweight="bold")
    estimates = [p[1] for points in series.values() for p in points] + [1.0, 1 + record.margin]
    bounds = [b for points in series.values() for p in points if p[0] >= stats.MIN_BLOCKS and p[2] is not None
              for b in p[2:]]
    # intervals of the first rounds (two or three containers a side) are wide: they may run off the axis
    bottom = max(min(estimates + bounds), min(estimates) / 1.2)
    top = min(max(estimates + bounds), max(estimates) * 1.2)
    ax.set_yscale("log")
    ax.set_ylim(bottom / 1.02, top * 1.02)
    _plain_log_axis(ax.yaxis, bottom, top, "x")
    ax.set_ylabel(f"time / time of {record.best}\n(log scale); > 1 is slower")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title="variant")
    ax.set_title(f"Race {run.run_id}: each variant's time against {record.best}, as the race knew it "
                 f"after each round\ndrop margin {record.margin:.0%} · {record.verdict or 'no verdict'}\n"
                 f"band: 95% CI over containers, from the visits of that round and the earlier ones", fontsize=11)
    rounds = range(1, len(record.survivors_per_round) + 1)
    below.bar(rounds, record.survivors_per_round, width=0.6, color=SAME)
    for k, left in zip(rounds, record.survivors_per_round):
        below.annotate(str(left), (k, left), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=8)
    below.set_ylim(0, max(record.survivors_per_round, default=1) * 1.35)
    below.set_yticks([])
    below.set_ylabel("survivors")
    below.set_xlabel("after round")
    below.set_xticks(list(rounds))
    below.set_xlim(0.5, max(run.rounds_done, len(rounds)) + 0.5)
    return _save(fig, path)


def published_chart(seed_results: Path, path: Path) -> Path:
    """The 2019 write-up's published figures (min of 3 x 20 runs, TF 1.13.1)."""
    data = json.loads(Path(seed_results).read_text())
    order = [k for k in PUBLISHED_ORDER if k in data] + sorted(set(data) - set(PUBLISHED_ORDER))
    fig, ax = plt.subplots(figsize=(11, 6))
    for color, step in zip(_colors(len(order)), order):
        points = sorted(data[step])
        ax.plot([w for w, _ in points], [ms for _, ms in points], marker="o", markersize=4,
                color=color, label=step)
    ax.set_yscale("log")
    all_ms = [ms for step in order for _, ms in data[step]]
    _plain_log_axis(ax.yaxis, min(all_ms), max(all_ms))
    ax.set_xlabel("input words per predict() call")
    ax.set_ylabel("ms per predict() call (log scale)")
    ax.set_xticks(range(1, 21))
    ax.set_xlim(0.5, 20.5)
    ax.grid(True, which="both", alpha=0.25)
    ax.set_title("Published 2019 figures: TF 1.13.1, Python 3.7, docker --cpus=1 --memory=4G\n"
                 "min of 3 × 20 runs per point, a 2019 desktop CPU; lower is better", fontsize=11)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title="step (in order)")
    return _save(fig, path)


def render(results: Dict[str, VariantResult], out_dir: Path, *, published: Optional[Path] = None,
           run: Optional[Run] = None) -> List[Path]:
    """latency-<family>.png and speedup-<family>.png per family (speedup only when a family
    has more than its reference), plus published-2019.png when `published` is given and
    race.png when `run` (the run of `results`) is a race."""
    out_dir = Path(out_dir)
    written: List[Path] = []
    for family, names in stats.families(results).items():
        written.append(latency_chart(results, family, names, out_dir / f"latency-{family}.png"))
        chart = speedup_chart(results, family, names, out_dir / f"speedup-{family}.png")
        if chart:
            written.append(chart)
    if published:
        written.append(published_chart(published, out_dir / "published-2019.png"))
    chart = race_chart(run, out_dir / "race.png") if run is not None and run.race else None
    return written + ([chart] if chart else [])

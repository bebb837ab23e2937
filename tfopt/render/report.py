"""results/report.md and results/report.html: what each variant changes and what it buys.

The report is built once as a list of sections (paragraphs, bullet lists, tables,
images) and rendered twice, to Markdown and to self-contained HTML (the charts are
linked by relative path and sit beside it).
"""

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..analysis import compute_bound, gate, stats
from . import plots
from ..records.documents import Run, RunRecord, VariantResult, load_run_record


# ---------------------------------------------------------------- document model

@dataclass
class Table:
    header: List[str]
    rows: List[List[str]]


@dataclass
class Section:
    title: str
    level: int = 2
    paragraphs: List[str] = field(default_factory=list)
    bullets: List[str] = field(default_factory=list)
    tables: List[Table] = field(default_factory=list)
    images: List[Tuple[str, str]] = field(default_factory=list)  # (file name, alt text)
    images_first: bool = False  # the images above the tables, not after the notes
    notes: List[str] = field(default_factory=list)  # small print after the tables


# ---------------------------------------------------------------- formatting

def _ms(x: float) -> str:
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def _ms_cell(summary: Dict[int, stats.CaseStats], words: int) -> str:
    c = summary.get(words)
    if not c:
        return "—"
    if not c.ci.has_interval:
        return f"{_ms(c.median)} (no CI: {c.ci.reason})"
    return f"{_ms(c.median)} [{_ms(c.ci_low)}–{_ms(c.ci_high)}]"


def _tail_cell(c: Optional[stats.CaseStats]) -> str:
    if not c:
        return "—"
    tails = [_ms(x) if x is not None else "—" for x in (c.p90, c.p99)]
    return f"{_ms(c.p50)} / {tails[0]} / {tails[1]}"


def _speedup_cell(s: Optional[stats.Speedup], floor: float) -> str:
    return s.describe(floor) if s else "—"


def _median_over_visits(values: Sequence[Optional[float]]) -> Optional[float]:
    found = [v for v in values if isinstance(v, (int, float))]
    return float(np.median(found)) if found else None


def _peak_rss(result: VariantResult) -> str:
    rss = _median_over_visits([p.get("peak_rss_bytes") for p in stats.profiles(result)])
    return f"{rss / 2**20:.0f} MiB" if rss else "—"


def _timing_s(result: VariantResult, *keys: str) -> Optional[float]:
    """Median over visits of the first timing key a profile has, in seconds."""
    values = []
    for p in stats.profiles(result):
        timings = p.get("timings") or {}
        values.append(next((timings[k] for k in keys if timings.get(k) is not None), None))
    found = _median_over_visits(values)
    return found / 1e9 if found is not None else None


def _load_time(result: VariantResult) -> str:
    load = _timing_s(result, "load_ns", "start_to_model_loaded_ns", "model_loaded_ns")
    ready = _timing_s(result, "start_to_first_prediction_ns")
    if load is None:
        return "—"
    return f"{load:.2f} s" + (f" ({ready:.1f} s)" if ready is not None else "")


def _image_size(result: VariantResult) -> str:
    size = result.image_size_bytes
    return f"{size / 1e9:.2f} GB" if size else "—"


def _correctness(results: Dict[str, VariantResult], name: str) -> str:
    state = gate.status(results, name)
    if state == gate.OK:
        return "✓"
    if state == gate.UNCHECKED:
        return "? unchecked"
    return "✗ differs (allowed)" if results[name].may_change_predictions else "✗ differs"


def _changes(result: VariantResult) -> str:
    if not result.changes:
        return "reference" if result.is_reference else "—"
    return "; ".join(_change(key, old, new) for key, (old, new) in result.changes.items())


def _change(key: str, old, new) -> str:
    if isinstance(old, dict) and isinstance(new, dict):
        parts = [f"{k} {_value(old.get(k))} → {_value(new.get(k))}"
                 for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
        return f"{key}: " + ", ".join(parts)
    return f"{key}: {_value(old)} → {_value(new)}"


def _value(v) -> str:
    if v is None:
        return "unset"
    if isinstance(v, dict):
        return " ".join(f"{k} {_value(x)}" for k, x in v.items())
    if isinstance(v, bool):
        return "on" if v else "off"
    return str(v)


def _flags(flags) -> List[str]:
    if isinstance(flags, str):
        flags = flags.split()
    relevant = [f for f in flags or [] if f in ("avx", "avx2", "fma", "f16c")
                or f.startswith(("avx512", "amx", "avx_vnni"))]
    return sorted(set(relevant))


def _distinct(values) -> str:
    found = sorted({str(v) for v in values if v not in (None, "", [])})
    return ", ".join(found) if found else "unknown"


# ---------------------------------------------------------------- sections

def _summary_section(results: Dict[str, VariantResult], families: Dict[str, List[str]], floors: Dict[str, float],
                     run: Optional[Run]) -> Section:
    bullets = []
    for family, names in families.items():
        floor = floors.get(family, 0.0)
        correct = [n for n in names if gate.status(results, n) != gate.DIFFERS]
        tied = stats.fastest(results, correct, floor)
        speed = {n: stats.against_reference(results, n) for n in tied}
        if len(tied) == 1:
            s = speed[tied[0]]
            bullets.append(f"{family}: fastest variant with the reference's predictions is {tied[0]}, "
                           f"{s.describe(floor)} than {s.baseline}.")
        elif tied:
            listed = ", ".join(f"{n} ({speed[n].describe(floor)})" for n in tied)
            bullets.append(f"{family}: tied for fastest with the reference's predictions (their "
                           f"95% CIs overlap the best one's): {listed}, against "
                           f"{speed[tied[0]].baseline}.")
        else:
            bullets.append(f"{family}: no variant is significantly faster than the reference "
                           f"while keeping its predictions.")
    paragraphs = []
    if run is not None:
        paragraphs.append(f"Run {run.run_id}, status: {run.describe_status()}. Every comparison "
                          f"below is between variants measured in this run only.")
        if run.status != "complete":
            paragraphs.append(f"This run is {run.status}: variants may have fewer rounds than "
                              f"planned, and some may be missing.")
        if run.parent:
            paragraphs.append(_part_of(run))
    paragraphs.append("± is the half-width of the 95% confidence interval (its longer side), "
                      "not a standard deviation.")
    return Section("Summary", bullets=bullets, paragraphs=paragraphs)


def _part_of(run: Run) -> str:
    engine = run.engine
    facts = ", ".join(x for x in (engine and engine.cpu_model, engine and engine.host_name and
                                  f"host {engine.host_name}", engine and engine.endpoint) if x)
    return (f"This run is one part of the multi-engine run {run.parent}: everything here was "
            f"measured on engine {engine.name if engine else '?'}" + (f" ({facts})" if facts else "")
            + f". That run's report (results/runs/{run.parent}/report.html) shows every engine "
              f"side by side.")


def _macs(n: Optional[int]) -> str:
    return "—" if not n else f"{n / 1e9:.2f} G" if n >= 1e9 else f"{n / 1e6:.1f} M"


def _times(x: Optional[float]) -> str:
    return "—" if not x else f"{x:.1f}x" if x < 10 else f"{x:.0f}x"


def _pair(values: Sequence[str]) -> str:
    return " / ".join(values) if values else "—"


def _axes(result: VariantResult) -> str:
    return f"{result.runtime} · {result.decoding}"


def _limit_section(results: Dict[str, VariantResult], families: Dict[str, List[str]]) -> Section:
    rows = []
    peak = compute_bound.run_peak(results)
    for names in families.values():
        for name in names:
            found = compute_bound.distances(results[name], peak)
            if not found:
                continue
            d = list(found.values())
            own = compute_bound.peak_gmacs_per_s(results[name])
            rows.append([name, _axes(results[name]), _pair([str(x.words) for x in d]),
                         _pair([_macs(x.macs) for x in d]), f"{own:.1f}" if own else "—",
                         _pair([_ms(x.bound_ms) for x in d]),
                         _pair([_ms(x.measured_ms) if x.measured_ms else "—" for x in d]),
                         _pair([_times(x.above) for x in d])])
    if not rows:
        return Section("Distance to the limit", paragraphs=[
            "No profile here records MACs and the single-core microbenchmark (images built "
            "before they were added): profile again to see how far each variant is from the limit."])
    return Section("Distance to the limit", tables=[Table(
        ["variant", "runtime · decoding", "words", "MACs per predict()", "its image's SGEMM GMAC/s",
         "ms at compute bound", "ms measured", "x above the bound"], rows)],
        paragraphs=["How far each variant is from what this core could do with the same work: "
                    "the multiply-accumulates one predict() needs for its decoding, against the "
                    f"single-core SGEMM peak measured in this run's containers under the same limits "
                    f"(the best of them, {peak:.1f} GMAC/s: the hardware's limit; each image's own "
                    "figure depends on the BLAS its NumPy carries)." if peak else ""],
        notes=["MACs: counted from the model's dimensions for the decoding used (g2p/macs.py); "
               "values for the shortest / longest input. ms at compute bound = MACs / (peak GMAC/s "
               "× 10⁹) × 1000; x above the bound = measured median ms / ms at compute bound. Each "
               "image's figure: median over its containers; the bound uses the run's best. "
               "See docs/runtimes.md."])


def _best_bullets(results: Dict[str, VariantResult], families: Dict[str, List[str]]) -> List[str]:
    """The best variant with the reference's predictions on each axis a user pays for."""
    names = [n for members in families.values() for n in members if gate.status(results, n) != gate.DIFFERS]
    bullets = []

    def best(label: str, value, show) -> None:
        scored = [(value(results[n]), n) for n in names]
        scored = [(v, n) for v, n in scored if v is not None]
        if scored:
            v, n = min(scored)
            bullets.append(f"{label}: {n} ({show(v)}).")

    for words in sorted({w for n in names for w in compute_bound.measured_words(results[n])[-1:]} | {1}):
        best(f"Fastest at {words} word{'s' if words > 1 else ''}",
             lambda r, w=words: compute_bound.measured_ms(r, w), lambda v: f"{_ms(v)} ms median")
    best("Lowest peak RSS", lambda r: _median_over_visits([p.get("peak_rss_bytes") for p in stats.profiles(r)]),
         lambda v: f"{v / 2**20:.0f} MiB")
    best("Quickest to its first prediction", lambda r: _timing_s(r, "start_to_first_prediction_ns"),
         lambda v: f"{v:.2f} s from process start")
    best("Smallest image", lambda r: r.image_size_bytes or None,
         lambda v: f"{v / 1e9:.2f} GB")
    return bullets


def _family_section(results: Dict[str, VariantResult], family: str, names: List[str], seed: int, floor: float,
                    images: Sequence[str]) -> Section:
    rows, tails = [], []
    for name in names:
        result = results[name]
        summary = stats.summarize(result, seed)
        rows.append([
            name, _changes(result), _ms_cell(summary, 1), _ms_cell(summary, 20),
            _speedup_cell(stats.against_reference(results, name, seed), floor),
            _speedup_cell(stats.against_parent(results, name, seed), floor),
            _peak_rss(result), _load_time(result), _correctness(results, name),
            _image_size(result),
        ])
        calls = sorted({c.n for c in summary.values()})
        calls_text = "—" if not calls else str(calls[0]) if len(calls) == 1 else f"{calls[0]}–{calls[-1]}"
        tails.append([name, calls_text,
                      _tail_cell(summary.get(1)), _tail_cell(summary.get(20))])
    methods = sorted({s.method for s in (stats.against_reference(results, n) for n in names) if s})
    header = ["variant", "changes against its parent", "ms, 1 word", "ms, 20 words",
              "vs reference", "vs parent", "peak RSS", "load (ready)", "predictions", "image"]
    ref = results[names[0]].reference or names[0]
    return Section(
        f"Family {family}",
        paragraphs=[f"Reference variant: {ref}. Each variant extends its parent; "
                    f"speedups are its parent's (or the reference's) time divided by its own."],
        images=[(img, f"{img} chart") for img in images],
        tables=[Table(header, rows), Table(
            ["variant", "calls per case", "1 word, all calls: p50 / p90 / p99 (ms)",
             "20 words, all calls: p50 / p90 / p99 (ms)"], tails)],
        notes=[_FAMILY_NOTE + (f" Speedup intervals in this family: {', '.join(methods)}." if methods else ""),
               f"Tail latency (second table) pools every call of every container. A p-quantile is "
               f"shown only with at least {stats.TAIL_TAIL_CALLS} calls beyond it: "
               f"{stats.calls_for_quantile(0.9)} calls per case for p90, "
               f"{stats.calls_for_quantile(0.99)} for p99 (raise --repeats or --rounds); "
               f"'—' means too few calls. MLPerf's SingleStream scenario scores p90."])


_FAMILY_NOTE = (
    "ms: median per predict() call: the geometric mean of each container's median, with its "
    "95% CI in brackets (t-interval over containers on the log scale). Speedups: time ratio of "
    "per-container geometric-mean times over word counts; ± is the longer side of its 95% CI, "
    "not a standard deviation. Intervals are over containers, not calls (calls in one container "
    "share its CPU placement, throttling and allocator state): blocked (paired by round) when "
    "both variants have one container in each of the same ≥3 rounds, else Welch's t. "
    "'No significant difference' states the smallest difference this run could have detected "
    "(80% power). Load: time to load the model; ready: process start to first prediction done "
    "(includes importing TensorFlow); medians over containers. Predictions: ✓ same digest as "
    "the reference in every container.")


def _correctness_section(results: Dict[str, VariantResult]) -> Optional[Section]:
    found = gate.check(results)
    if not found:
        return None
    rows = [[m.variant, m.reference or "—", m.detail,
             "yes (may_change_predictions)" if m.allowed else "no"] for m in found]
    return Section("Correctness", tables=[Table(["variant", "reference", "problem", "allowed"], rows)],
                   paragraphs=["A variant that may change predictions must say so with "
                               "may_change_predictions: true in variants.yaml."])


def _stability_section(results: Dict[str, VariantResult], families: Dict[str, List[str]], seed: int) -> Section:
    rows = [[w.variant, w.kind, w.message, w.remedy]
            for names in families.values() for n in names
            for w in stats.stability_warnings(results[n], stats.summarize(results[n], seed))]
    if not rows:
        return Section("Stability", paragraphs=["No stability warnings."])
    return Section("Stability", tables=[Table(["variant", "warning", "what was seen", "remedy"], rows)])


def _aa_section(aa: Optional[Dict[str, VariantResult]], families: Sequence[str]) -> Tuple[Section, Dict[str, float]]:
    """The A/A noise floor of each family, from A/A arms measured in the same run."""
    noises = stats.aa_by_family(aa or {})
    paragraphs = [f"{family}: {noises[family].describe()}." for family in sorted(noises)]
    missing = [f for f in families if f not in noises]
    if missing:
        paragraphs.append(f"No A/A pair in this run for {', '.join(missing)}: without one, small "
                          f"differences there may be noise. Measure one beside the others with "
                          f"invoke profile --all --aa NAME.")
    if noises:
        paragraphs.append("Each family's floor comes from this run's A/A pair of that family (two "
                          "arms of one image, interleaved with the others). Significant speedups "
                          "smaller than it are reported as 'within A/A noise'.")
    return Section("A/A noise floor", paragraphs=paragraphs), {f: n.floor for f, n in noises.items()}


def _environment_section(results: Dict[str, VariantResult]) -> Section:
    measured = list(results.values())
    engines = [r.engine for r in measured if r.engine]
    machines = [r.machine for r in measured if r.machine]
    profiles = [p for r in measured for p in stats.profiles(r)]
    flags = sorted({f for m in machines for f in _flags(m.cpu_flags)})
    cgroups = [p.get("cgroup") or {} for p in profiles]
    quotas = {(c.get("cpu_quota_us"), c.get("cpu_period_us")) for c in cgroups
              if c.get("cpu_quota_us")}
    rows = [
        ["CPU", _distinct(m.cpu_model for m in machines)],
        ["relevant CPU flags", ", ".join(flags) or "none of avx/avx2/fma/avx512*"],
        ["kernel", _distinct(m.kernel for m in machines)],
        ["Docker", _distinct(m.docker_version for m in machines)],
        ["container limits", plots.limits_label(results)],
        ["cgroup", f"v{_distinct(c.get('version') for c in cgroups)}; CPU quota "
                   + (", ".join(f"{q} µs per {p} µs" for q, p in sorted(quotas)) or "none")],
        ["tfopt", _distinct(f"{r.tfopt_version} ({str(r.git_commit)[:10]})"
                            for r in measured if r.tfopt_version)],
    ]
    if engines:
        rows.insert(0, ["Docker engine", _distinct(f"{e.name} at {e.endpoint} (host {e.host_name})"
                                                   for e in engines)])
    for family, names in stats.families(results).items():
        versions = _distinct((p.get("tensorflow") or {}).get("version")
                             for n in names for p in stats.profiles(results[n]))
        rows.append([f"TensorFlow ({family})", versions])
    engines = _distinct(f"{r.get('name')} {r.get('version')}" for p in profiles
                        for r in [p.get("runtime")] if isinstance(r, dict) and r.get("name") != "tensorflow")
    if engines != "unknown":
        rows.append(["other runtimes", engines])
    return Section("Environment", tables=[Table(["", ""], rows)])


def _protocol_section(results: Dict[str, VariantResult], run_meta: Dict[str, RunRecord]) -> Section:
    rows = []
    for run_id in sorted({r.run_id or "?" for r in results.values()}):
        docs = [r for r in results.values() if (r.run_id or "?") == run_id]
        meta = run_meta.get(run_id)
        protocol = dict(docs[0].protocol, **(meta.protocol if meta else {}))
        visits = [v for r in docs for v in r.visits]
        repeats = {len(c.get("samples_ns") or []) for r in docs for p in stats.profiles(r)
                   for c in p.get("cases") or []}
        rounds = protocol.get("rounds", len({v.round for v in visits}))
        rows.append([run_id, str(meta.kind if meta and meta.kind else "—"),
                     ", ".join(sorted(r.name for r in docs)),
                     f"{rounds} ({len(visits)} containers)",
                     str(protocol.get("repeats", _distinct(repeats))),
                     str(protocol.get("warmups", "—")), str(protocol.get("seed", "—")),
                     str(protocol.get("pin") or "—")])
    return Section("Runs and protocol", tables=[Table(
        ["run", "kind", "variants", "rounds", "repeats", "warmups", "seed", "pin"], rows)],
        paragraphs=["Every round starts one fresh container per variant, in a shuffled order "
                    "(seeded), so slow drifts of the host hit all variants alike. Repeats: timed "
                    "predict() calls per word count per container, after the warm-up calls. "
                    "Containers are the independent units: every interval is a t-interval over "
                    "per-container figures on the log scale, blocked by round where both sides "
                    "have complete rounds, else Welch (docs/statistics.md)."])


def _race_sections(run_meta: Dict[str, RunRecord], images: Sequence[str] = ()) -> List[Section]:
    """One section per raced run (tfopt/measure/race.py): survivors per round, who was dropped when and why,
    under race.png when `images` has it (drawn for a single run, so there is one section)."""
    from ..measure.race import describe_cost

    sections = []
    for run_id, meta in sorted(run_meta.items()):
        race = meta.race_record
        if race is None:
            continue
        rows = [[str(k), str(left), "; ".join(f"{d.name}: {d.reason}" for d in race.dropped
                                              if d.after_round == k) or "—"]
                for k, left in enumerate(race.survivors_per_round, start=1)]
        sections.append(Section(f"Race {run_id}", tables=[Table(["after round", "survivors", "dropped"], rows)],
                                images=[("race.png", "race chart")] if "race.png" in images else [],
                                images_first=True,
                                paragraphs=[f"Stopped: {meta.stop_reason or race.verdict or '—'}. "
                                            f"Drop margin {race.margin:.0%}, tie target ±{race.tie:.0%}. "
                                            + describe_cost(race) + "."]))
    return sections


def _load_run_meta(results: Dict[str, VariantResult], results_dir: Path) -> Dict[str, RunRecord]:
    records = (load_run_record(results_dir, run_id) for run_id in {r.run_id for r in results.values() if r.run_id})
    return {record.run_id: record for record in records if record.found}


def build(results: Dict[str, VariantResult], *, aa: Optional[Dict[str, VariantResult]] = None,
          run_meta: Optional[Dict[str, RunRecord]] = None,
          images: Sequence[str] = (), seed: int = 0, run: Optional[Run] = None) -> List[Section]:
    """The report's sections; `images` are chart file names (matched to families by name).
    `aa`: A/A arms measured in the same run as `results`, by arm name."""
    aa = aa or {}
    families = stats.families(results)
    aa_section, floors = _aa_section(aa, list(families))
    sections = [_summary_section(results, families, floors, run)]
    sections[0].bullets += _best_bullets(results, families)
    sections += _race_sections(run_meta or {}, images)  # a race's answer comes before its variants' details
    for family, names in families.items():
        mine = [i for i in images if i in (f"latency-{family}.png", f"speedup-{family}.png")]
        sections.append(_family_section(results, family, names, seed, floors.get(family, 0.0), mine))
    sections.append(_limit_section(results, families))
    correctness = _correctness_section(results)
    if correctness:
        sections.append(correctness)
    sections += [_stability_section(results, families, seed), aa_section]
    if "published-2019.png" in images:
        sections.append(Section("The 2019 write-up, for comparison", images=[
            ("published-2019.png", "published 2019 figures")], paragraphs=[
            "Its figures are the minimum of 3 × 20 runs on a 2019 desktop CPU, not medians: "
            "compare shapes and ratios, not absolute times."]))
    measured = results or aa or {}
    sections += [_isa_section(measured), _environment_section(measured), _protocol_section(measured, run_meta or {})]
    return sections


def _isa_section(results: Dict[str, VariantResult]) -> Section:
    """One row per TF wheel profiled: how many instructions of each family its libraries hold."""
    wheels: Dict[str, List[str]] = {}
    for name, result in results.items():
        wheels.setdefault(result.image_labels.get("tfopt.tf_wheel_sha256") or f"? ({name})", []).append(name)
    rows = []
    for sha, names in wheels.items():
        first = results[names[0]]
        counts = first.tf_isa
        rows.append([", ".join(names), _value(first.tensorflow), sha[:12]]
                    + [f"{counts[k]:,}" if counts else "—" for k in ("avx", "avx2", "fma", "avx512f")])
    return Section("Instruction sets of the TensorFlow wheels", tables=[Table(
        ["variants", "TensorFlow", "wheel sha256", "avx", "avx2", "fma", "avx512"], rows)],
        notes=["Instructions of each family in the wheel's TensorFlow libraries, by objdump -d "
               "(`python -m tfopt.source_build.isa WHEEL`). Code that picks its instructions at run time "
               "(functions named *avx2*/*avx512*, BoringSSL's assembly) is not counted: a wheel with "
               "avx512 0 can still run AVX-512 kernels it dispatches to on a CPU that has them."])


# ---------------------------------------------------------------- rendering

def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(sections: Sequence[Section], title: str) -> str:
    out = [f"# {title}", ""]
    for s in sections:
        out += section_markdown(s)
    return "\n".join(out)


def section_markdown(s: Section) -> List[str]:
    """One section's Markdown lines."""
    out = ["#" * s.level + " " + s.title, ""]
    for p in s.paragraphs:
        out += [p, ""]
    if s.bullets:
        out += [f"- {b}" for b in s.bullets] + [""]
    images = [line for name, alt in s.images for line in (f"![{alt}]({name})", "")]
    if s.images_first:
        out += images
    for t in s.tables:
        out.append("| " + " | ".join(_md_cell(h) for h in t.header) + " |")
        out.append("|" + "---|" * len(t.header))
        out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in t.rows]
        out.append("")
    for n in s.notes:
        out += [f"_{n}_", ""]
    return out if s.images_first else out + images


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1400px; padding: 0 1.5em; color: #1a1a1a; line-height: 1.45; }
h1 { border-bottom: 2px solid #333; padding-bottom: .2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; padding-bottom: .15em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 14px; }
th, td { border: 1px solid #d0d0d0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
tr:nth-child(even) td { background: #fafafa; }
td.num { text-align: right; white-space: nowrap; }
td:first-child, td.faster, td.slower, td.same { white-space: nowrap; }
td.ok { color: #2e7d32; font-weight: bold; }
td.bad { color: #c62828; font-weight: bold; }
td.faster { color: #2e7d32; } td.slower { color: #c62828; } td.same { color: #666; }
img { max-width: min(100%, 1100px); display: block; margin: 1em 0; border: 1px solid #eee; }
p.note { font-size: 13px; color: #555; }
"""


NUMBER = re.compile(r"^\d[\d.]*( \[[\d.–]+\]| MiB| GB| s( \([\d.]+ s\))?)$")


def _cell_class(text: str) -> str:
    if text == "✓":
        return "ok"
    if text.startswith("✗"):
        return "bad"
    if text.endswith("faster"):
        return "faster"
    if text.endswith("slower"):
        return "slower"
    if text.startswith(("no significant", "within A/A")):
        return "same"
    if NUMBER.match(text):
        return "num"
    return ""


def to_html(sections: Sequence[Section], title: str) -> str:
    return html_page(title, [line for s in sections for line in section_html(s)])


def html_page(title: str, body: Sequence[str], css: str = CSS) -> str:
    e = html.escape
    return "\n".join(["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
                      f"<title>{e(title)}</title><style>{css}</style></head><body>", f"<h1>{e(title)}</h1>",
                      *body, "</body></html>"])


def section_html(s: Section) -> List[str]:
    """One section's HTML lines."""
    e = html.escape
    out = [f"<h{s.level}>{e(s.title)}</h{s.level}>"]
    out += [f"<p>{e(p)}</p>" for p in s.paragraphs]
    if s.bullets:
        out.append("<ul>" + "".join(f"<li>{e(b)}</li>" for b in s.bullets) + "</ul>")
    images = [f'<img src="{e(name)}" alt="{e(alt)}">' for name, alt in s.images]
    if s.images_first:
        out += images
    for t in s.tables:
        out.append("<table>")
        if any(t.header):
            out.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in t.header) + "</tr>")
        for row in t.rows:
            cells = []
            for c in row:
                cls = _cell_class(c)
                cells.append(f'<td class="{cls}">{e(c)}</td>' if cls else f"<td>{e(c)}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table>")
    out += [f'<p class="note">{e(n)}</p>' for n in s.notes]
    return out if s.images_first else out + images


def write(results: Dict[str, VariantResult], out_dir: Path, aa: Optional[Dict[str, VariantResult]] = None, *,
          run_meta: Optional[Dict[str, RunRecord]] = None, published: Optional[Path] = None,
          seed: int = 0, title: str = "tfopt report: g2p on one CPU", run: Optional[Run] = None
          ) -> List[Path]:
    """Render the charts into out_dir, then write out_dir/report.md and out_dir/report.html.

    `results` and `aa` (its A/A arms by name) come from one run, `run` (measurements.Run),
    whose run.json supplies `run_meta` when not given (else read from out_dir/runs/);
    `published` the 2019 seed-raw-results.json, charted for comparison when given.
    Returns every file written.
    """
    out_dir = Path(out_dir)
    charts = plots.render(results, out_dir, published=published, seed=seed, run=run)
    if run_meta is None:
        run_meta = {run.run_id: run.record} if run is not None else _load_run_meta(results, out_dir)
    if run is not None:
        title = f"{title} — run {run.run_id}"
    sections = build(results, aa=aa, run_meta=run_meta, images=[c.name for c in charts], seed=seed,
                     run=run)
    md, page = out_dir / "report.md", out_dir / "report.html"
    md.write_text(to_markdown(sections, title) + "\n")
    page.write_text(to_html(sections, title) + "\n")
    return charts + [md, page]

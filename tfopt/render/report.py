"""results/report.md and results/report.html: what each variant changes and what it buys.

The report is built once as a list of sections (render/document.py) and rendered twice,
to Markdown and to self-contained HTML. The charts it links by relative path are drawn
beside it first (render/views.py, render/plots.py).
"""

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..analysis import compute_bound, floor, gate, stats
from ..analysis.race_record import describe_cost
from . import cells, plots
from .document import Section, Table, to_html, to_markdown
from ..records.documents import Run, RunRecord, VariantResult

SUMMARY, FAMILY = "summary", "family"  # section kinds another report picks (engines_report)
FAMILY_COLUMNS = ("variant", "changes", "ms-1", "ms-20", "vs-reference", "vs-parent", "peak-rss", "load",
                  "predictions", "image")  # the keys of a family's main table, one per column


# ---------------------------------------------------------------- cells that read records

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
    return Section("Summary", bullets=bullets, paragraphs=paragraphs, kind=SUMMARY)


def _part_of(run: Run) -> str:
    engine = run.engine
    facts = ", ".join(x for x in (engine and engine.cpu_model, engine and engine.host_name and
                                  f"host {engine.host_name}", engine and engine.endpoint) if x)
    return (f"This run is one part of the multi-engine run {run.parent}: everything here was "
            f"measured on engine {engine.name if engine else '?'}" + (f" ({facts})" if facts else "")
            + f". That run's report (results/runs/{run.parent}/report.html) shows every engine "
              f"side by side.")


def _axes(result: VariantResult) -> str:
    return f"{result.runtime} · {result.decoding}" + (" · early stop" if result.settings.get("early_stop") else "")


def _bandwidths_text(gb_per_s: Dict[str, float], caches: Dict[str, int]) -> str:
    def size(level: str) -> str:
        n = caches.get(level)
        return "" if not n else f" ({n // 2**20} MiB)" if n >= 2**20 else f" ({n // 2**10} KiB)"
    return ", ".join(f"{level}{size(level)} {gb_per_s[level]:.1f} GB/s"
                     for level in floor.CACHE_LEVELS + (floor.DRAM,) if level in gb_per_s)


def _limit_section(results: Dict[str, VariantResult], families: Dict[str, List[str]]) -> Section:
    rows, floored = [], False
    peak = compute_bound.run_peak(results)
    gb_per_s = floor.run_bandwidths(results)
    caches: Dict[str, int] = {}
    for names in families.values():
        for name in names:
            found = compute_bound.distances(results[name], peak)
            if not found:
                continue
            d = list(found.values())
            own = compute_bound.peak_gmacs_per_s(results[name])
            row = [name, _axes(results[name]), cells.pair([str(x.words) for x in d]),
                   cells.pair([cells.macs(x.macs) for x in d]), f"{own:.1f}" if own else "—",
                   cells.pair([cells.ms(x.bound_ms) for x in d]),
                   cells.pair([cells.ms(x.measured_ms) if x.measured_ms else "—" for x in d]),
                   cells.pair([cells.times(x.above) for x in d])]
            floors = [floor.floor(results[name], x.words, peak, gb_per_s) for x in d]
            if any(floors):
                floored = True
                caches = caches or floor.cache_sizes(results[name])
            row += [cells.pair([cells.ms(f.floor_ms) if f else "—" for f in floors]),
                    cells.pair([cells.times(f.above) if f else "—" for f in floors])]
            rows.append(row)
    if not rows:
        return Section("Distance to the limit", paragraphs=[
            "No profile here records MACs and the single-core microbenchmark (images built "
            "before they were added): profile again to see how far each variant is from the limit."])
    header = ["variant", "runtime · decoding", "words", "MACs per predict()", "its image's SGEMM GMAC/s",
              "ms at compute bound", "ms measured", "x above the bound"]
    paragraphs = ["How far each variant is from what this core could do with the same work: "
                  "the multiply-accumulates one predict() needs for its decoding, against the "
                  f"single-core SGEMM peak measured in this run's containers under the same limits "
                  f"(the best of them, {peak:.1f} GMAC/s: the hardware's limit; each image's own "
                  "figure depends on the BLAS its NumPy carries)." if peak else ""]
    notes = ["MACs: counted from the model's dimensions for the decoding used (g2p/macs.py); "
             "values for the shortest / longest input. ms at compute bound = MACs / (peak GMAC/s "
             "× 10⁹) × 1000; x above the bound = measured median ms / ms at compute bound. Each "
             "image's figure: median over its containers; the bound uses the run's best. "
             "See docs/runtimes.md."]
    if floored:
        header += ["ms at the floor", "x above the floor"]
        paragraphs.append("The floor is what this core needs for the predictions themselves, whatever the "
                          "decoding: the encoder over each word's own length, the decoder until every word "
                          "of the batch has emitted <EOS>, each step taking the longer of its MACs at the "
                          "peak and the time to stream the weights and state it touches from the cache "
                          "level they fit in, at the read bandwidth measured in the containers (the best "
                          f"of them: {_bandwidths_text(gb_per_s, caches)}).")
        notes.append("ms at the floor = Σ over the steps of max(MACs / peak, bytes / bandwidth of the "
                     "level that holds them) × 1000 (g2p/step_bytes.py, tfopt/analysis/floor.py); x above "
                     "the floor = measured median ms / ms at the floor; — : that image's profiles predate "
                     "the bandwidth microbenchmark.")
    else:
        rows = [row[:-2] for row in rows]
    return Section("Distance to the limit", tables=[Table(header, rows)], paragraphs=paragraphs, notes=notes)


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
             lambda r, w=words: compute_bound.measured_ms(r, w), lambda v: f"{cells.ms(v)} ms median")
    best("Lowest peak RSS", lambda r: _median_over_visits([p.get("peak_rss_bytes") for p in stats.profiles(r)]),
         lambda v: f"{v / 2**20:.0f} MiB")
    best("Quickest to its first prediction", lambda r: _timing_s(r, "start_to_first_prediction_ns"),
         lambda v: f"{v:.2f} s from process start")
    best("Smallest image", lambda r: r.image_size_bytes or None,
         lambda v: f"{v / 1e9:.2f} GB")
    return bullets


def _family_section(results: Dict[str, VariantResult], family: str, names: List[str], floor: float,
                    images: Sequence[str]) -> Section:
    rows, tails = [], []
    for name in names:
        result = results[name]
        summary = stats.summarize(result)
        rows.append([
            name, cells.changes(result), cells.ms_cell(summary, 1), cells.ms_cell(summary, 20),
            cells.speedup_cell(stats.against_reference(results, name), floor),
            cells.speedup_cell(stats.against_parent(results, name), floor),
            _peak_rss(result), _load_time(result), _correctness(results, name),
            _image_size(result),
        ])
        calls = sorted({c.n for c in summary.values()})
        calls_text = "—" if not calls else str(calls[0]) if len(calls) == 1 else f"{calls[0]}–{calls[-1]}"
        tails.append([name, calls_text,
                      cells.tail_cell(summary.get(1)), cells.tail_cell(summary.get(20))])
    methods = sorted({s.method for s in (stats.against_reference(results, n) for n in names) if s})
    header = ["variant", "changes against its parent", "ms, 1 word", "ms, 20 words",
              "vs reference", "vs parent", "peak RSS", "load (ready)", "predictions", "image"]
    ref = results[names[0]].reference or names[0]
    return Section(
        f"Family {family}", kind=FAMILY,
        paragraphs=[f"Reference variant: {ref}. Each variant extends its parent; "
                    f"speedups are its parent's (or the reference's) time divided by its own."],
        images=[(img, f"{img} chart") for img in images],
        tables=[Table(header, rows, FAMILY_COLUMNS), Table(
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


def _stability_section(results: Dict[str, VariantResult], families: Dict[str, List[str]]) -> Section:
    rows = [[w.variant, w.kind, w.message, w.remedy]
            for names in families.values() for n in names
            for w in stats.stability_warnings(results[n], stats.summarize(results[n]))]
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
    flags = sorted({f for m in machines for f in cells.cpu_flags(m.cpu_flags)})
    cgroups = [p.get("cgroup") or {} for p in profiles]
    quotas = {(c.get("cpu_quota_us"), c.get("cpu_period_us")) for c in cgroups
              if c.get("cpu_quota_us")}
    rows = [
        ["CPU", cells.distinct(m.cpu_model for m in machines)],
        ["relevant CPU flags", ", ".join(flags) or "none of avx/avx2/fma/avx512*"],
        ["kernel", cells.distinct(m.kernel for m in machines)],
        ["Docker", cells.distinct(m.docker_version for m in machines)],
        ["container limits", plots.limits_label(results)],
        ["cgroup", f"v{cells.distinct(c.get('version') for c in cgroups)}; CPU quota "
                   + (", ".join(f"{q} µs per {p} µs" for q, p in sorted(quotas)) or "none")],
        ["tfopt", cells.distinct(f"{r.tfopt_version} ({str(r.git_commit)[:10]})"
                            for r in measured if r.tfopt_version)],
    ]
    if engines:
        rows.insert(0, ["Docker engine", cells.distinct(f"{e.name} at {e.endpoint} (host {e.host_name})"
                                                   for e in engines)])
    for family, names in stats.families(results).items():
        versions = cells.distinct((p.get("tensorflow") or {}).get("version")
                             for n in names for p in stats.profiles(results[n]))
        rows.append([f"TensorFlow ({family})", versions])
    engines = cells.distinct(f"{r.get('name')} {r.get('version')}" for p in profiles
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
                     str(protocol.get("repeats", cells.distinct(repeats))),
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


def build(results: Dict[str, VariantResult], *, aa: Optional[Dict[str, VariantResult]] = None,
          run_meta: Optional[Dict[str, RunRecord]] = None,
          images: Sequence[str] = (), run: Optional[Run] = None) -> List[Section]:
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
        sections.append(_family_section(results, family, names, floors.get(family, 0.0), mine))
    sections.append(_limit_section(results, families))
    correctness = _correctness_section(results)
    if correctness:
        sections.append(correctness)
    sections += [_stability_section(results, families), aa_section]
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
    title = "Instruction sets of the TensorFlow wheels"
    wheels: Dict[str, List[str]] = {}
    for name, result in results.items():
        wheels.setdefault(result.tf_wheel_sha256 or f"? ({name})", []).append(name)
    rows, uncounted = [], False
    for sha, names in wheels.items():
        first = results[names[0]]
        counts = first.tf_isa
        uncounted = uncounted or not counts
        rows.append([", ".join(names), cells.value(first.tensorflow), sha[:12]]
                    + [f"{counts[k]:,}" if counts else "—" for k in ("avx", "avx2", "fma", "avx512f")])
    if all(row[3] == "—" for row in rows):
        return Section(title, paragraphs=[NOT_COUNTED])
    return Section(title, tables=[Table(
        ["variants", "TensorFlow", "wheel sha256", "avx", "avx2", "fma", "avx512"], rows)],
        notes=["Instructions of each family in the wheel's TensorFlow libraries, by objdump -d "
               "(`python -m tfopt.source_build.isa WHEEL`). Code that picks its instructions at run time "
               "(functions named *avx2*/*avx512*, BoringSSL's assembly) is not counted: a wheel with "
               "avx512 0 can still run AVX-512 kernels it dispatches to on a CPU that has them."]
        + (["—: " + NOT_COUNTED] if uncounted else []))


NOT_COUNTED = ("No instruction counts are recorded in this run's results. A run counts its TensorFlow "
               "wheels' instructions (minutes per wheel, once per wheel) and records them where a family "
               "compares two or more wheels, for wheels built from source, or when asked with "
               "`invoke profile --isa`.")


def write(run: Run, out_dir: Path, images: Sequence[str] = (),
          title: str = "tfopt report: g2p on one CPU") -> List[Path]:
    """out_dir/report.md and out_dir/report.html of one run (documents.Run: its variants, its A/A
    arms, its run.json); `images` are the chart file names beside them. Returns both paths."""
    out_dir = Path(out_dir)
    title = f"{title} — run {run.run_id}"
    sections = build(run.variants, aa=run.arms, run_meta={run.run_id: run.record}, images=images, run=run)
    md, page = out_dir / "report.md", out_dir / "report.html"
    md.write_text(to_markdown(sections, title) + "\n")
    page.write_text(to_html(sections, title) + "\n")
    return [md, page]

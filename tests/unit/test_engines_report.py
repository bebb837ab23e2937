"""A multi-engine run (a parent run.json plus one part run per engine) loads, is the latest run,
and renders: the engines, each variant's speedup on each engine, each engine's tables side by
side, its chart, and each part's own report to drill down; a lost engine shows why."""

import re
from dataclasses import replace

import pytest

from factories import OTHER_DIGEST, linear_ms, make_doc, make_result
from tfopt.render import engines_report, views
from tfopt.records import documents, store
from tfopt.errors import ConfigError

RID, OLDER, NEWER = "20261125T120000Z-e2e2", "20261125T110000Z-0001", "20261125T130000Z-0003"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def facts(name, cpu, flags, host):
    return {"name": name, "endpoint": f"unix:///run/{name}.sock", "host_name": host, "cpu_model": cpu,
            "cpu_flags": flags, "ncpu": 2, "memory_bytes": 8 * 2**30, "kernel": "6.8.0", "os": "Debian",
            "architecture": "x86_64", "docker_version": "28.2.2"}


LOCAL = facts("local", "Intel Xeon Gold 6230", ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw",
                                                "avx512_vnni"], "box-a")
SECOND = facts("second", "AMD EPYC 7B13", ["sse4_2", "avx", "avx2", "fma"], "box-b")


def _part(root, name, engine, docs, **meta):
    part = store.part_id(RID, name)
    store.write_run_meta(root, part, dict({"kind": "profile", "protocol": {"rounds": 3}, "parent": RID,
                                             "engine": engine}, **meta))
    for doc in docs:
        store.write_result(root, replace(doc, run_id=part, engine_doc=engine).to_doc())
    return part


def _parent(root, engines, status="complete", reason=None):
    store.write_run_meta(root, RID, {
        "kind": "engines", "status": status, "reason": reason, "protocol": {"rounds": 3},
        "started_at": "2026-11-25T12:00:00Z", "finished_at": "2026-11-25T12:30:00Z",
        "engines": [dict(e, part=store.part_id(RID, e["name"])) for e in engines],
        "parts": {e["name"]: store.part_id(RID, e["name"]) for e in engines}})


@pytest.fixture
def two_engines(tmp_path):
    """local: fast is 2.5x faster than stock, slow is slower and predicts something else; second:
    fast is 1.25x faster, and second was lost after two rounds (no 'slow', no third round)."""
    _part(tmp_path, "local", LOCAL, [make_result("stock", seed=1),
                                     make_result("fast", parent="stock", median_ms=linear_ms(40, 100), seed=2),
                                     make_result("slow", parent="stock", median_ms=linear_ms(200, 500), seed=3,
                                                 digest=OTHER_DIGEST)],
          status="complete", rounds_done=3)
    _part(tmp_path, "second", SECOND, [make_result("stock", visits=2, median_ms=linear_ms(300, 750), seed=4),
                                       make_result("fast", parent="stock", visits=2,
                                                   median_ms=linear_ms(240, 600), seed=5)],
          status="interrupted", reason="engine lost: the Docker engine stopped answering", rounds_done=2)
    lost = dict(SECOND, status="lost", reason="engine lost: unix:///run/second.sock stopped answering in round 3")
    _parent(tmp_path, [dict(LOCAL, status="complete", reason=None), lost], status="failed",
            reason="engine second lost")
    return tmp_path


def test_loader_gives_engines_in_order_and_each_part_as_an_ordinary_run(two_engines):
    run = documents.load_engines_run(two_engines, RID)
    assert [e.name for e in run.engines] == ["local", "second"]
    local, second = run.engines
    assert local.cpu_model == "Intel Xeon Gold 6230" and local.part == f"{RID}@local"
    assert "avx512f" in local.cpu_flags and local.ncpu == 2 and local.docker_version == "28.2.2"
    assert (second.status, second.reason) == ("lost", LOST_REASON)
    assert sorted(run.parts["local"].variants) == ["fast", "slow", "stock"]
    assert sorted(run.parts["second"].variants) == ["fast", "stock"]
    assert run.parts["second"].rounds_done == 2 and run.parts["local"].rounds_done == 3
    assert run.parts["local"].engine.host_name == "box-a"  # a part knows its engine
    assert run.describe_status() == "failed (engine second lost)"


LOST_REASON = "engine lost: unix:///run/second.sock stopped answering in round 3"


def test_a_single_engine_run_exposes_its_engine_and_old_runs_have_none(tmp_path):
    store.write_run_meta(tmp_path, OLDER, {"kind": "profile", "engines": [LOCAL]})
    store.write_result(tmp_path, make_doc("stock", run_id=OLDER))
    store.write_run_meta(tmp_path, NEWER, {"kind": "profile"})
    store.write_result(tmp_path, make_doc("stock", run_id=NEWER))
    assert documents.load_run(tmp_path, OLDER).engine.cpu_model == "Intel Xeon Gold 6230"
    assert documents.load_run(tmp_path, NEWER).engine is None
    with pytest.raises(ConfigError, match="not a multi-engine run"):
        documents.load_engines_run(tmp_path, OLDER)


def test_latest_run_is_the_parent_never_a_part(two_engines):
    store.write_run_meta(two_engines, OLDER, {"kind": "profile", "status": "complete"})
    store.write_result(two_engines, make_doc("stock", run_id=OLDER))
    assert documents.latest_run_id(two_engines) == RID
    store.write_run_meta(two_engines, NEWER, {"kind": "profile", "status": "complete"})
    store.write_result(two_engines, make_doc("stock", run_id=NEWER))
    assert documents.latest_run_id(two_engines) == NEWER


def test_a_parent_whose_parts_measured_nothing_is_not_latest(tmp_path):
    store.write_run_meta(tmp_path, OLDER, {"kind": "profile", "status": "complete"})
    store.write_result(tmp_path, make_doc("stock", run_id=OLDER))
    _parent(tmp_path, [LOCAL])
    assert documents.latest_run_id(tmp_path) == OLDER


def test_part_helpers():
    assert store.part_id(RID, "second") == f"{RID}@second"
    assert store.is_part(f"{RID}@second") and not store.is_part(RID)
    assert store.parent_of(f"{RID}@second") == RID and store.parent_of(RID) == RID


def _rows(md, first_cell):
    return [line for line in md.splitlines() if line.startswith(f"| {first_cell} |")]


def test_report_of_the_latest_run_shows_engines_cross_view_and_both_parts(two_engines):
    written = views.render_report(two_engines, None)
    parent = store.run_dir(two_engines, RID)
    names = {p.relative_to(two_engines / "runs").as_posix() for p in written}
    assert {f"{RID}/report.md", f"{RID}/report.html", f"{RID}/engines-speedup.png",
            f"{RID}@local/report.html", f"{RID}@second/report.html"} <= names
    assert (parent / "engines-speedup.png").read_bytes()[:8] == PNG_MAGIC
    md = (parent / "report.md").read_text()

    engines = {line.split("|")[1].strip(): line for line in md.splitlines()
               if line.startswith(("| local |", "| second |")) and "unix://" in line}
    assert "Intel Xeon Gold 6230" in engines["local"] and "box-a" in engines["local"]
    assert "avx512 (bw, f, vnni)" in engines["local"] and "avx512" not in engines["second"]
    assert "28.2.2" in engines["second"] and "AMD EPYC 7B13" in engines["second"]
    assert f"lost ({LOST_REASON})" in engines["second"] and "| 2 |" in engines["second"]

    cross = md.split("## Speedup against the reference, engine by engine")[1].split("## Each engine")[0]
    assert "| variant | family · reference | local | second | predictions |" in cross
    fast = _rows(cross, "fast")[0].split("|")
    assert re.match(r" 2\.\d+ ± [\d.]+x faster", fast[3]) and re.match(r" 1\.2\d ± [\d.]+x faster", fast[4])
    slow = _rows(cross, "slow")[0].split("|")
    assert "slower" in slow[3] and slow[4].strip() == "not measured"
    assert fast[5].strip() == "✓" and slow[5].strip() == "✗ differs on local"
    assert not _rows(cross, "stock")  # a reference against itself says nothing
    assert "Times are never compared across engines" in cross
    assert "![speedup against the reference, engine by engine](engines-speedup.png)" in cross

    each = md.split("## Each engine on its own")[1]
    local, second = each.split("### Engine local")[1].split("### Engine second")
    assert f"Full report: [{RID}@local](../{RID}@local/report.md)" in local
    assert "| variant | ms, 1 word | ms, 20 words | vs reference | predictions |" in local
    assert len(_rows(local, "slow")) == 1 and not _rows(second, "slow")
    assert f"Status: lost ({LOST_REASON}) · 2 round(s) done" in second
    assert "Family tf1.13" in second and len(_rows(second, "fast")) == 1


def test_each_part_gets_its_own_ordinary_report(two_engines):
    views.render_report(two_engines, RID)
    local = (store.run_dir(two_engines, f"{RID}@local") / "report.md").read_text()
    assert f"Run {RID}@local, status: complete" in local
    assert "| slow |" in local and "latency-tf1.13.png" in local
    assert (f"This run is one part of the multi-engine run {RID}: everything here was measured on engine "
            "local (Intel Xeon Gold 6230, host box-a, unix:///run/local.sock)") in local
    second = (store.run_dir(two_engines, f"{RID}@second") / "report.md").read_text()
    assert "status: interrupted (engine lost: the Docker engine stopped answering)" in second
    # the machine is the engine's (its CPU read on that engine), not the controlling host's
    assert "| Docker engine | second at unix:///run/second.sock (host box-b) |" in second
    assert "| CPU | AMD EPYC 7B13 |" in second and "Synthetic CPU" not in second


def test_a_part_alone_reports_as_an_ordinary_run(two_engines):
    written = views.render_report(two_engines, f"{RID}@second")
    assert {p.parent for p in written} == {store.run_dir(two_engines, f"{RID}@second")}
    assert not (store.run_dir(two_engines, RID) / "report.md").exists()


def test_html_puts_the_engines_side_by_side_and_links_their_reports(two_engines):
    views.render_report(two_engines, RID)
    page = (store.run_dir(two_engines, RID) / "report.html").read_text()
    assert ".engines { display: flex" in page
    grid = page.split('<div class="engines">')[1].split("<h2>")[0]
    columns = re.findall(r'<section class="engine( troubled)?" data-engine="(\w+)">', grid)
    assert columns == [("", "local"), (" troubled", "second")]
    assert grid.count("<table>") == 2 and grid.count("</section>") == 2
    assert f'<a href="../{RID}@local/report.html">' in grid and f'<a href="../{RID}@second/report.html">' in grid
    assert '<img src="engines-speedup.png"' in page
    assert re.search(r'<td class="faster"><span class="nb">2\.\d+ ± [\d.]+x</span> faster</td>', page)


def test_an_engine_lost_before_it_measured_anything_is_shown_with_its_reason(tmp_path):
    _part(tmp_path, "local", LOCAL, [make_result("stock", seed=1),
                                     make_result("fast", parent="stock", median_ms=linear_ms(40, 100), seed=2)],
          status="complete")
    reason = "engine lost: unix:///run/second.sock refused the connection in round 1"
    _parent(tmp_path, [dict(LOCAL, status="complete"), dict(SECOND, status="lost", reason=reason)],
            status="failed", reason="engine second lost")  # second's part folder was never written
    run = documents.load_engines_run(tmp_path, RID)
    assert run.parts["second"].variants == {} and run.parts["second"].status == "lost"
    written = views.render_report(tmp_path, RID)
    assert not store.run_dir(tmp_path, f"{RID}@second").exists()
    assert all("@second" not in p.as_posix() for p in written)
    md = (store.run_dir(tmp_path, RID) / "report.md").read_text()
    second = md.split("### Engine second")[1]
    assert f"Status: lost ({reason}) · 0 round(s) done; nothing measured" in second
    assert "Full report" not in second
    assert _rows(md.split("## Each engine")[0], "fast")[0].split("|")[4].strip() == "not measured"
    page = (store.run_dir(tmp_path, RID) / "report.html").read_text()
    assert '<section class="engine troubled empty" data-engine="second">' in page


def test_plot_of_a_parent_draws_each_part_and_the_cross_engine_chart(two_engines, tmp_path):
    written = views.render_plots(two_engines, None, out=tmp_path / "out")
    names = {p.relative_to(tmp_path / "out").as_posix() for p in written}
    assert names == {"engines-speedup.png"} | {f"{RID}@{engine}/{chart}" for engine in ("local", "second")
                                               for chart in ("latency-tf1.13.png", "speedup-tf1.13.png",
                                                             "published-2019.png")}


def test_no_chart_without_a_speedup(tmp_path):
    _part(tmp_path, "local", LOCAL, [make_result("stock")], status="complete")
    _parent(tmp_path, [LOCAL])
    assert engines_report.chart(documents.load_engines_run(tmp_path, RID), tmp_path) is None
    md_written = views.render_report(tmp_path, RID)
    assert "engines-speedup.png" not in {p.name for p in md_written}
    assert "No engine measured a variant beside its reference" in (
        store.run_dir(tmp_path, RID) / "report.md").read_text()

"""Bad input gets a clear error, never a traceback (issue 20): each case below, typed as a user
would type it, ends with the exit code of its error and a message that says what is wrong,
where, and what to do. The tasks run through invoke's Program, as on the command line."""

import json
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from invoke import Collection, Program

from factories import make_doc
from plans import BASE
from tfopt.engine.client import Engine
from tfopt.engine.types import EngineInfo
from tfopt.errors import ConfigError, DamagedRecord
from tfopt.measure import pipeline
from tfopt.plan.load import load_plan, read_text
from tfopt.plan.protocol import Protocol
from tfopt.records import documents, store
from tfopt.records.documents import RunRecord

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import tasks  # noqa: E402

NAMESPACE = Collection.from_module(tasks)
RUN = "20261124T201847Z-d0bd"


def _invoke(capsys, *argv):
    """(exit code, everything printed) of `invoke ARGV…`; a traceback fails the test."""
    with pytest.raises(SystemExit) as exit_info:
        Program(namespace=NAMESPACE, name="tfopt", binary="invoke").run(["invoke", *argv])
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert "Traceback" not in text, text
    return exit_info.value.code, text


@pytest.fixture(autouse=True)
def no_engine(monkeypatch):
    """No case may get as far as connecting to Docker."""
    def refuse(*_):
        raise AssertionError("reached the engine")
    monkeypatch.setattr(pipeline.fleet, "connect", refuse)
    monkeypatch.setattr(Engine, "connect", refuse)


# ---------------------------------------------------------------- variants files

def _yaml(tmp_path, text, name="variants.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def _with(extra: str) -> str:
    """BASE's variant `a` with more keys (indented as its own)."""
    return textwrap.dedent(BASE) + textwrap.indent(textwrap.dedent(extra), "    ")


VARIANTS_CASES = {
    "duplicated key in a variant": (_with("family: g\n"), "variants.yaml:8: key 'variants.a.family' is given "
                                    "twice in one mapping, at lines 5 and 8"),
    "duplicated top-level key": (BASE + "defaults: {}\ndefaults: {}\n", "key 'defaults' is given twice"),
    "duplicated variant": (BASE + "  a: {}\n", "key 'variants.a' is given twice in one mapping, at lines 3 and 8"),
    "duplicated key on one line": (_with("limits: {cpus: 1, cpus: 2}\n"), "twice on line 8 (columns 14 and 23)"),
    "duplicated key in a matrix grid": (BASE + "matrix:\n  g:\n    extends: a\n    extends: a\n"
                                        "    axes: {allocator: [system]}\n", "key 'matrix.g.extends' is given twice"),
    "duplicated key in a nested mapping": (_with("env:\n  A: '1'\n  A: '2'\n"), "key 'variants.a.env.A' is given twice"),
    "cpus above nothing": (_with("limits: {cpus: .inf}\n"), "cpus must be a number of CPUs, got inf"),
    "cpus below Docker's floor": (_with("limits: {cpus: 0.001}\n"), "below Docker's minimum of 0.01"),
    "memory 1k": (_with("limits: {memory: 1k}\n"), "key 'limits.memory': memory '1k': 1024 bytes is below "
                  "Docker's minimum memory limit of 6m"),
    "memory 0m": (_with("limits: {memory: 0m}\n"), "below Docker's minimum memory limit of 6m"),
    "cpuset not a list of CPUs": (_with("limits: {cpuset: '3-1'}\n"), "cpuset '3-1' is not a list of CPUs"),
    "direct URL in tensorflow.pypi": (BASE.replace("tensorflow-cpu==2.21.0", "'tensorflow-cpu @ http://x/x.whl'"),
                                      "'tensorflow.pypi': 'tensorflow-cpu @ http://x/x.whl' is a direct URL"),
    "direct URL in requirements": (_with("requirements: ['numpy @ https://x/numpy.whl']\n"),
                                   "'requirements': 'numpy @ https://x/numpy.whl' is a direct URL"),
    "null pypi": (BASE.replace("tensorflow-cpu==2.21.0", "null"), "'tensorflow.pypi': expected str, got None"),
    "empty wheel path": (BASE.replace("pypi: tensorflow-cpu==2.21.0", "wheel: '', sha256: " + "a" * 64),
                         "the wheel's path or URL is empty"),
    "null source": (BASE.replace("pypi: tensorflow-cpu==2.21.0", "source: null"),
                    "'tensorflow.source': expected dict, got None"),
    "a source config that is no name": (BASE.replace("pypi: tensorflow-cpu==2.21.0",
                                                     "source: {version: '2.1', configs: [1]}"),
                                        "unknown Bazel config 1"),
    "null source configs": (BASE.replace("pypi: tensorflow-cpu==2.21.0", "source: {version: '2.1', configs: null}"),
                            "'tensorflow.source.configs': expected list, got None"),
    "zero source jobs": (BASE.replace("pypi: tensorflow-cpu==2.21.0", "source: {version: '2.1', jobs: 0}"),
                         "jobs must be at least 1, got 0"),
    "defaults that are a list": (BASE + "defaults: [1]\n", "'defaults' is a mapping of variant keys, got list"),
    "extends as a default": (BASE + "defaults: {extends: a}\n", "`extends` cannot be a default"),
    "a number as a top-level key": (BASE + "1: 2\n", "unknown top-level key 1"),
    "a number as a variant name": (BASE + "  1: {extends: a}\n", "YAML reads this unquoted variant name as the int 1"),
    "an environment name that is a number": (_with("env: {1: x}\n"), "1 is not an environment variable name"),
    "an empty file": ("", "expected a mapping with a 'variants' (or 'matrix') key; it holds nothing"),
    "a result document as the variants file": ('{"schema": "tfopt.result/1", "run_id": "x"}',
                                               "its top-level keys are schema, run_id"),
    "extends itself": (_with("extends: a\n"), "extends forms a cycle: a → a"),
    "extends an unknown variant": (_with("extends: b\n"), "extends unknown variant 'b'"),
    "an extends cycle": (BASE + "  b: {extends: c}\n  c: {extends: b}\n", "extends forms a cycle: b → c → b"),
    "a unicode variant name": (BASE + "  tëst: {extends: a}\n", "variant names use lowercase letters"),
}


@pytest.mark.parametrize("case", VARIANTS_CASES, ids=list(VARIANTS_CASES))
def test_a_bad_variants_file_is_refused_with_where_and_why(capsys, tmp_path, case):
    text, fragment = VARIANTS_CASES[case]
    code, printed = _invoke(capsys, "variants", "--file", str(_yaml(tmp_path, text)))
    assert code == 2 and fragment in printed, printed


BYTES_CASES = {
    "binary bytes": (b"\x89PNG\r\n\x1a\n\x00\x00", "variants.yaml:1: not UTF-8 text (byte 0x89 at offset 0)"),
    "latin-1 text": (BASE.encode() + "    description: caf\xe9\n".encode("latin-1"),
                     "variants.yaml:8: not UTF-8 text (byte 0xe9"),
}


@pytest.mark.parametrize("case", BYTES_CASES, ids=list(BYTES_CASES))
def test_a_variants_file_that_is_not_text_is_refused(capsys, tmp_path, case):
    data, fragment = BYTES_CASES[case]
    (tmp_path / "variants.yaml").write_bytes(data)
    code, printed = _invoke(capsys, "variants", "--file", str(tmp_path / "variants.yaml"))
    assert code == 2 and fragment in printed and "save it as UTF-8" in printed, printed


def test_a_directory_as_the_variants_file_is_refused(capsys, tmp_path):
    code, printed = _invoke(capsys, "variants", "--file", str(tmp_path))
    assert code == 2 and f"{tmp_path} is a directory, not a variants file" in printed


def test_a_missing_a_device_and_a_huge_variants_file_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        read_text(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not a regular file"):
        read_text(Path("/dev/null"))
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as f:
        f.truncate(17 << 20)
    with pytest.raises(ConfigError, match="is over 16 MB"):
        read_text(huge)


def test_an_unreadable_variants_file_is_refused(tmp_path, monkeypatch):
    path = _yaml(tmp_path, BASE)

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(ConfigError, match=r"cannot read .*variants.yaml: Permission denied") as info:
        load_plan(path)
    assert "permissions" in info.value.hint


def test_a_yaml_merge_key_is_no_duplicate(tmp_path):
    plan = load_plan(_yaml(tmp_path, """
        defaults: &d {limits: {cpus: 1}}
        variants:
          a:
            python: "3.11"
            tensorflow: {pypi: tensorflow-cpu==2.21.0}
            limits: {cpus: 1}
          b:
            <<: {extends: a, family: x}
            family: y
        """))
    assert plan.variants["b"].family == "y"


# ---------------------------------------------------------------- limits an engine cannot give

def _member(name, ncpu, memory=8 << 30):
    info = EngineInfo(engine_id=name, host_name=name, ncpu=ncpu, memory_bytes=memory, kernel="k", os="o",
                      architecture="x86_64", docker_version="27")
    return SimpleNamespace(name=name, engine=SimpleNamespace(info=lambda: info))


def _variants(tmp_path, limits):
    return list(load_plan(_yaml(tmp_path, _with(f"limits: {limits}\n"))).variants.values())


def test_cpus_above_an_engines_cpus_are_refused_before_any_build_naming_each_engine(tmp_path):
    with pytest.raises(ConfigError) as info:
        pipeline.check_limits_fit([_member("local", 64), _member("small", 2)], _variants(tmp_path, "{cpus: 64}"),
                                  Protocol())
    message = str(info.value)
    assert "a asks for limits.cpus 64, but engine small has 2 CPU(s)" in message and "engine local" not in message
    assert "nothing was built" in message


def test_limits_an_engine_can_give_but_look_wrong_are_warned(tmp_path, capsys):
    pipeline.check_limits_fit([_member("local", 2, memory=1 << 30)],
                              _variants(tmp_path, "{cpuset: '0-3', memory: 100m}"), Protocol(pin="7"))
    out = capsys.readouterr().out
    assert "warning: a's limits.cpuset '0-3' names CPU 2, but engine local has 2 CPU(s)" in out
    assert "warning: --pin '7' names CPU 7" in out
    assert "warning: a: limits.memory is 100 MiB" in out and "OOM-killed" in out
    pipeline.check_limits_fit([_member("local", 2)], _variants(tmp_path, "{cpus: 2}"), Protocol())


# ---------------------------------------------------------------- flags

FLAG_CASES = {
    "rounds abc": (["--rounds", "abc"], "--rounds 'abc' is not a number"),
    "repeats 0": (["--repeats", "0"], "--repeats must be at least 1, got 0"),
    "warmups -1": (["--warmups", "-1"], "--warmups must be at least 0, got -1"),
    "max-words 0": (["--max-words", "0"], "--max-words must be at least 1"),
    "timeout 0": (["--timeout", "0"], "--timeout must be a positive number of seconds, got 0"),
    "timeout nan": (["--timeout", "nan"], "--timeout must be a positive number of seconds, got nan"),
    "target-ci 500": (["--target-ci", "500"], "--target-ci must be between 0% and 100%, got 500.0%"),
    "max-minutes -1": (["--target-ci", "5%", "--max-minutes", "-1"], "--max-minutes must be a positive number"),
    "max-minutes nan": (["--target-ci", "5%", "--max-minutes", "nan"], "--max-minutes must be a positive number"),
    "pin x": (["--pin", "x"], "--pin 'x' is not a list of CPUs"),
    "pin empty": (["--pin", ""], "--pin '' is not a list of CPUs"),
    "engine http": (["--engine", "http://box"], "unknown scheme 'http://' (did you mean 'tcp://'?)"),
    "engine empty": (["--engine", ""], "engine '': no URL"),
    "engine scheme only": (["--engine", "ssh://"], "engine 'ssh://': no URL after its scheme"),
    "engine without a name": (["--engine", "=unix:///x"], "the name before '=' is empty"),
    "unknown variant": (["--variant", "nope"], "no variant named 'nope'"),
}


@pytest.mark.parametrize("case", FLAG_CASES, ids=list(FLAG_CASES))
def test_a_bad_profile_flag_is_refused_before_any_engine(capsys, tmp_path, case):
    flags, fragment = FLAG_CASES[case]
    variant = [] if "--variant" in flags else ["--variant", "a"]
    code, printed = _invoke(capsys, "profile", "--file", str(_yaml(tmp_path, BASE)), *variant, *flags)
    assert code == 2 and fragment in printed, printed


OTHER_TASK_CASES = {
    "flamegraph duration abc": (["flamegraph", "--variant", "a", "--duration", "abc"],
                                "--duration 'abc' is not a whole number of seconds"),
    "flamegraph duration -5": (["flamegraph", "--variant", "a", "--duration", "-5"], "--duration '-5'"),
    "engines http": (["engines", "--engine", "http://box"], "unknown scheme 'http://'"),
    "variants file that is a device": (["variants", "--file", "/dev/null"], "is not a regular file"),
}


@pytest.mark.parametrize("case", OTHER_TASK_CASES, ids=list(OTHER_TASK_CASES))
def test_a_bad_flag_of_another_task_is_refused(capsys, tmp_path, case):
    argv, fragment = OTHER_TASK_CASES[case]
    given = [] if "--file" in argv else ["--file", str(_yaml(tmp_path, BASE))]
    code, printed = _invoke(capsys, *argv, *given)
    assert code == 2 and fragment in printed, printed


# ---------------------------------------------------------------- run folders and result documents

@pytest.fixture
def results(tmp_path):
    """A run of two variants, as `invoke profile` writes it."""
    root = tmp_path / "results"
    for name in ("ref", "fast"):
        store.write_result(root, make_doc(name, run_id=RUN, reference="ref"))
    store.write_run_meta(root, RUN, RunRecord(RUN, kind="profile", status="complete", finished_at="t1").to_doc())
    return root


def _damage(results, file, content):
    path = store.run_dir(results, RUN) / file
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif callable(content):
        path.write_text(json.dumps(content(json.loads(path.read_text()))))
    else:
        path.write_text(content)
    return path


DAMAGE = {
    "truncated result": ("fast.json", lambda text: text[:200], "is not valid JSON"),
    "empty result": ("fast.json", "", "is empty"),
    "binary result": ("fast.json", b"\x89PNG\r\n\x1a\n\x00\x00", "is not text (byte 0x89 at offset 0)"),
    "result that is a list": ("fast.json", "[1, 2]", "holds a JSON list, not a document"),
    "result without variant": ("fast.json", '{"schema": "tfopt.result/1"}', 'it has no "variant" object'),
    "result with a string variant": ("fast.json", '{"variant": "fast"}', 'it has no "variant" object'),
    "result with bad visits": ("fast.json", lambda d: dict(d, visits=[1]), '"visits" is not a list of objects'),
    "result with bad samples": ("fast.json", lambda d: dict(d, visits=[dict(d["visits"][0], profile=dict(
        d["visits"][0]["profile"], cases=[{"words": 1, "samples_ns": ["x"]}]))]), "a visit's profile cannot be read"),
    "result of an unknown schema": ("fast.json", lambda d: dict(d, schema="tfopt.result/9"),
                                    "has schema 'tfopt.result/9'"),
    "truncated run.json": ("run.json", lambda text: text[:50], "run.json is not valid JSON"),
    "run.json that is a list": ("run.json", "[]", "run.json holds a JSON list"),
    "run.json with bad orders": ("run.json", lambda d: dict(d, orders=5), '"orders" is a int, not a list'),
    "run.json with a bad race": ("run.json", lambda d: dict(d, race={"margin": 1}), "KeyError"),
    "run.json of an unknown schema": ("run.json", lambda d: dict(d, schema="tfopt.run/7"), "has schema 'tfopt.run/7'"),
}
READERS = {
    "report": ["report", "--run", RUN],
    "report of the latest run": ["report"],
    "plot": ["plot", "--run", RUN],
    "compare-runs": ["compare-runs", "--run", RUN, "--run", RUN],
    "race-vs-full": ["race-vs-full", "--race", RUN, "--full", RUN],
}


@pytest.mark.parametrize("reader", READERS, ids=list(READERS))
@pytest.mark.parametrize("case", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_run_folder_stops_its_reader_naming_the_file(capsys, results, case, reader):
    file, content, fragment = DAMAGE[case]
    path = store.run_dir(results, RUN) / file
    if callable(content) and "truncated" in case:
        content = content(path.read_text())
    _damage(results, file, content)
    code, printed = _invoke(capsys, *READERS[reader], "--results", str(results), "--out", str(results / "out"))
    assert code == 2 and str(path) in printed and fragment in printed, printed
    assert "schema" in case or "mv FILE FILE.damaged" in printed


def test_readme_figures_names_the_damaged_file(capsys, results, tmp_path):
    path = _damage(results, "fast.json", "{")
    readme = tmp_path / "README.md"
    readme.write_text(f"<!-- results-run {RUN} -->\n")
    code, printed = _invoke(capsys, "readme-figures", "--readme", str(readme), "--results", str(results))
    assert code == 2 and f"{path} is not valid JSON" in printed


def test_a_file_set_aside_is_warned_and_the_rest_is_read(capsys, results):
    path = _damage(results, "fast.json", "{")
    path.rename(path.with_name("fast.json.damaged"))
    run = documents.load_run(results, RUN)
    assert set(run.variants) == {"ref"}
    assert "fast.json.damaged was set aside: this run is read without it" in capsys.readouterr().out


def test_across_runs_a_damaged_file_of_another_run_is_skipped_with_a_warning(capsys, results):
    store.write_result(results, make_doc("ref", run_id="20261201T000000Z-0000", reference="ref"))
    path = _damage(results, "fast.json", "{")
    latest = documents.latest_by_variant(results)  # the correctness gate's earlier references
    assert set(latest) == {"ref"} and latest["ref"].run_id == "20261201T000000Z-0000"
    assert f"warning: skipped {path} is not valid JSON" in capsys.readouterr().out
    assert documents.latest_run_id(results) == "20261201T000000Z-0000"


def test_the_latest_run_with_a_damaged_file_is_chosen_and_named(capsys, results):
    path = _damage(results, "fast.json", "{")
    code, printed = _invoke(capsys, "report", "--results", str(results))
    assert code == 2 and f"{path} is not valid JSON" in printed and "warning: skipped" not in printed


def test_a_run_without_run_json_is_read_with_a_warning(capsys, results):
    (store.run_dir(results, RUN) / "run.json").unlink()
    run = documents.load_run(results, RUN)
    assert set(run.variants) == {"ref", "fast"} and run.describe_status() == "unknown (this run has no run.json)"
    assert "run.json is missing" in capsys.readouterr().out


def test_an_empty_run_folder_is_refused(capsys, results):
    store.run_dir(results, "20261201T000000Z-0000").mkdir()
    code, printed = _invoke(capsys, "report", "--run", "20261201T000000Z-0000", "--results", str(results))
    assert code == 2 and "is empty: no run.json and no result documents" in printed and "rmdir" in printed


def test_a_directory_where_a_result_belongs_is_named(results):
    (store.run_dir(results, RUN) / "fast.json").unlink()
    (store.run_dir(results, RUN) / "fast.json").mkdir()
    with pytest.raises(DamagedRecord, match="fast.json is a directory where a JSON document belongs"):
        documents.load_run(results, RUN)


def test_an_unreadable_result_is_named(results, monkeypatch):
    def denied(self):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(DamagedRecord, match=r"cannot read .*\.json: Permission denied"):
        documents.load_run(results, RUN)


PATH_CASES = {
    "run id that is a path out": (["report", "--run", "../../etc"], "'../../etc' is not a run id"),
    "run id that is the run's path": (["report", "--run", f"results/runs/{RUN}"], f"e.g. --run {RUN}"),
    "run id dot": (["plot", "--run", "."], "'.' is not a run id"),
    "unknown run": (["report", "--run", "nope"], "no run 'nope' under"),
    "one run to compare": (["compare-runs", "--run", RUN], "give exactly two runs"),
    "compare-runs out a folder": (["compare-runs", "--run", RUN, "--run", RUN, "--out", "{tmp}"],
                                  "is a folder; this task writes one Markdown file"),
    "report out a file": (["report", "--run", RUN, "--out", "{tmp}/file"], "is a file; this task writes several"),
    "plot out a file": (["plot", "--run", RUN, "--out", "{tmp}/file"], "is a file; this task writes several"),
    "race without full": (["race-vs-full", "--race", RUN], "--full RUN is required"),
    "results a file": (["report", "--results", "{tmp}/file"], "is a file; it names the results folder"),
    "readme missing": (["readme-figures", "--readme", "{tmp}/none.md"], "none.md does not exist"),
    "readme binary": (["readme-figures", "--readme", "{tmp}/binary"], "not UTF-8 text (byte 0x89 at offset 0), "
                                                                    "so not a README"),
}


@pytest.mark.parametrize("case", PATH_CASES, ids=list(PATH_CASES))
def test_a_bad_run_id_or_path_flag_is_refused(capsys, results, tmp_path, case):
    argv, fragment = PATH_CASES[case]
    (tmp_path / "file").write_text("x")
    (tmp_path / "binary").write_bytes(b"\x89PNG")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    given = ["--results", str(results)] if "--results" not in argv else []
    code, printed = _invoke(capsys, *argv, *given)
    assert code == 2 and fragment in printed, printed


@pytest.mark.parametrize("argv", [["compare-runs", "--run", "multi", "--run", RUN],
                                  ["race-vs-full", "--race", RUN, "--full", "multi"]])
def test_a_multi_engine_parent_is_refused_where_one_run_is_compared(capsys, results, argv):
    store.write_result(results, make_doc("ref", run_id="multi@local", reference="ref"))
    store.write_run_meta(results, "multi", RunRecord("multi", kind="engines", parts={"local": "multi@local"}).to_doc())
    code, printed = _invoke(capsys, *argv, "--results", str(results))
    assert code == 2 and "run multi is a multi-engine run" in printed and "multi@local" in printed, printed


def test_compare_runs_makes_the_folder_of_its_out_file(capsys, results, tmp_path):
    out = tmp_path / "new" / "b2b.md"
    Program(namespace=NAMESPACE, name="tfopt", binary="invoke").run(
        ["invoke", "compare-runs", "--run", RUN, "--run", RUN, "--results", str(results), "--out", str(out)])
    assert out.is_file() and f"wrote {out}" in capsys.readouterr().out

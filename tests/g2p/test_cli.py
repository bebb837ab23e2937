"""The command-line contract: g2p.predict, g2p.export errors, missing runtime packages."""

import json
import os
from pathlib import Path

import pytest

import g2p
from g2p.errors import RuntimeMissingError, UsageError
from g2p_helpers import run_module


@pytest.mark.parametrize("runtime,decoding", [("numpy", "incremental"), ("tensorflow", "incremental")])
def test_predict_prints_words_in_input_order(export_dir, runtime, decoding, reference_model):
    model_dir = export_dir(runtime, decoding, "frozen" if runtime == "tensorflow" else None)
    words = "Aardvark hello\n  r2d2\tworld " + "a " * 25
    proc = run_module(["g2p.predict", "--model-dir", str(model_dir)], stdin=words)
    lines = proc.stdout.splitlines()
    assert len(lines) == len(words.split())
    expected = reference_model.predict(words)
    assert lines == ["%s\t%s" % (w, " ".join(p)) for w, p in zip(words.split(), expected)]
    assert lines[0] == "Aardvark\tAA1 R D V AA2 R K"


def test_predict_empty_stdin(export_dir):
    proc = run_module(["g2p.predict", "--model-dir", str(export_dir("numpy", "incremental"))],
                      stdin="")
    assert proc.stdout == ""


def test_predict_takes_the_runtimes_knob_flags(exported):
    proc = run_module(["g2p.predict", "--model-dir", str(exported["frozen"]),
                       "--threads-intra-op", "1", "--xla", "off"], stdin="cat")
    assert proc.stdout == "cat\tK AE1 T\n"


@pytest.mark.parametrize("args,needle", [
    (["--runtime", "tensorflw"], "did you mean 'tensorflow'"),
    (["--runtime", "numpy", "--decoding", "loop"], "numpy has no graph"),
    (["--decoding", "beam"], "unknown decoding"),
    (["--runtime", "numpy", "--decoding", "incremental", "--form", "frozen"], "TensorFlow knob"),
    (["--decoding", "loop", "--form", "savedmodel"], "no variables"),
])
def test_export_refuses_bad_choices_with_exit_2(tmp_path, args, needle):
    proc = run_module(["g2p.export", "--out", str(tmp_path / "m")] + args, check=False)
    assert proc.returncode == 2, proc.stderr
    assert needle in proc.stderr
    assert not (tmp_path / "m").exists()   # validated before any work


def _fake_missing_package(tmp_path, name):
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / (name + ".py")).write_text('raise ImportError("no module named %s (test)")\n' % name)
    return str(shadow)


def test_missing_runtime_package_is_a_clear_error(tmp_path):
    model_dir = tmp_path / "ov"
    model_dir.mkdir()
    (model_dir / "g2p-model.json").write_text(json.dumps(
        {"runtime": "onnxruntime", "decoding": "rerun", "form": None, "files": []}))
    shadow = _fake_missing_package(tmp_path, "onnxruntime")
    root = str(Path(__file__).resolve().parents[2])
    proc = run_module(["g2p.predict", "--model-dir", str(model_dir)], stdin="cat", check=False,
                      env={"PYTHONPATH": os.pathsep.join([root, shadow])})
    assert proc.returncode == 2
    assert "onnxruntime" in proc.stderr and "pip install onnxruntime" in proc.stderr


def test_load_errors_are_typed(tmp_path, export_dir):
    model_dir = tmp_path / "x"
    model_dir.mkdir()
    (model_dir / "g2p-model.json").write_text(json.dumps(
        {"runtime": "tensorflw", "decoding": "rerun", "files": []}))
    with pytest.raises(UsageError) as info:
        g2p.load(model_dir)
    assert info.value.exit_code == 2 and "tensorflow" in info.value.hint
    with pytest.raises(UsageError):
        g2p.load(export_dir("numpy", "incremental"), {"threads.intra_op": 1})
    assert issubclass(RuntimeMissingError, g2p.G2PError) and RuntimeMissingError.exit_code == 2


def test_old_metadata_still_loads(tmp_path, exported):
    import shutil

    old = tmp_path / "old"
    old.mkdir()
    shutil.copyfile(str(exported["frozen"] / "frozen.pb"), str(old / "frozen.pb"))
    (old / "g2p-form.json").write_text(json.dumps({"form": "frozen", "tensorflow_version": "x"}))
    model = g2p.load(old)
    try:
        assert (model.runtime, model.decoding, model.form) == ("tensorflow", "rerun", "frozen")
        assert model.predict("cat") == [["K", "AE1", "T"]]
    finally:
        model.close()


def test_bench_prints_both_cases(export_dir):
    proc = run_module(["g2p.bench", "--model-dir", str(export_dir("numpy", "incremental")),
                       "--repeats", "1"])
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("numpy / incremental")
    assert [line.split()[0] for line in lines[1:]] == ["1", "20"]
    assert "144.7 M MACs" in lines[2]

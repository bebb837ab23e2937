import json
import zipfile

import pytest

from tfopt.build import wheelfix, wheels


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_abi_tags_follow_the_python_version():
    assert wheels.abi_tags("3.7") == ["cp37m", "abi3", "none"]
    assert wheels.abi_tags("3.11") == ["cp311", "abi3", "none"]


def test_platforms_cover_bookworm_glibc():
    assert "manylinux1_x86_64" in wheels.PLATFORMS
    assert "manylinux_2_36_x86_64" in wheels.PLATFORMS
    assert "manylinux_2_37_x86_64" not in wheels.PLATFORMS


def _lock_with_one_file(content: bytes):
    wheels.files_dir().mkdir(parents=True)
    wheels.locks_dir().mkdir(parents=True)
    wheel = wheels.files_dir() / "demo-1.0-py3-none-any.whl"
    wheel.write_bytes(content)
    key = wheels.lock_key("3.11", ["demo==1.0"])
    (wheels.locks_dir() / f"{key}.json").write_text(json.dumps({
        "key": key, "python": "3.11", "requirements": ["demo==1.0"],
        "wheels": [{"file": wheel.name, "sha256": wheels.sha256_file(wheel)}]}))
    return wheel


def test_intact_lock_is_reused_without_pip(monkeypatch, capsys):
    _lock_with_one_file(b"wheel bytes")
    monkeypatch.setattr(wheels, "_download", lambda *a: pytest.fail("downloaded again"))
    lock = wheels.ensure_lock("3.11.7", ["demo==1.0"])
    assert lock.sha256_of("demo") == wheels.sha256_file(lock.files()[0])
    assert "reusing" in capsys.readouterr().out.splitlines()[0]


def test_corrupt_lock_is_downloaded_again(monkeypatch):
    wheel = _lock_with_one_file(b"wheel bytes")
    wheel.write_bytes(b"truncated")
    calls = []
    monkeypatch.setattr(wheels, "_download", lambda *a: calls.append(a) or "new")
    assert wheels.ensure_lock("3.11", ["demo==1.0"]) == "new"
    assert calls


def test_broken_distribution_is_read_from_pip_log():
    log = ("ERROR: intel-tensorflow has an invalid wheel, intel-tensorflow has an invalid wheel, "
           "multiple .dist-info directories found: intel_tensorflow-1.13.2.dist-info, tensorflow-1.13.2.dist-info")
    assert wheelfix.broken_distribution(log) == "intel-tensorflow"
    assert wheelfix.broken_distribution("ERROR: No matching distribution found for x") is None


def test_foreign_dist_info_is_dropped_with_its_record_lines(tmp_path):
    source = tmp_path / "intel_tensorflow-1.13.2-cp37-cp37m-manylinux1_x86_64.whl"
    with zipfile.ZipFile(source, "w") as z:
        z.writestr("tensorflow/__init__.py", "x = 1\n")
        z.writestr("intel_tensorflow-1.13.2.dist-info/METADATA", "Name: intel_tensorflow\n")
        z.writestr("intel_tensorflow-1.13.2.dist-info/RECORD",
                   "tensorflow/__init__.py,,\ntensorflow-1.13.2.dist-info/METADATA,,\n"
                   "intel_tensorflow-1.13.2.dist-info/RECORD,,\n")
        z.writestr("tensorflow-1.13.2.dist-info/METADATA", "Name: tensorflow\n")
    fixed = wheelfix.drop_foreign_dist_info(source, tmp_path / "fixed.whl")
    with zipfile.ZipFile(fixed) as z:
        names = z.namelist()
        record = z.read("intel_tensorflow-1.13.2.dist-info/RECORD").decode()
    assert "tensorflow-1.13.2.dist-info/METADATA" not in names
    assert "tensorflow/__init__.py" in names
    lines = record.splitlines()
    assert not any(l.startswith("tensorflow-1.13.2.dist-info/") for l in lines)
    assert "tensorflow/__init__.py,," in lines


def test_declared_wheel_with_wrong_sha256_is_refused(tmp_path):
    wheel = tmp_path / "tf-1.0-py3-none-any.whl"
    wheel.write_bytes(b"data")
    with pytest.raises(wheels.FetchError, match="sha256"):
        wheels.fetch_wheel(str(wheel), "0" * 64)
    assert wheels.fetch_wheel(str(wheel), wheels.sha256_file(wheel)).exists()

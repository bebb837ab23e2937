import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from g2p import weights
from g2p.errors import WeightsError

ROOT = Path(__file__).resolve().parents[2]
DATA = "model_epoch_14_gs_27956.data-00000-of-00001"
INDEX = "model_epoch_14_gs_27956.index"


@pytest.fixture(scope="session")
def sdist(tmp_path_factory):
    """The g2p_en 1.0.0 sdist, fetched once through the real pip-download path."""
    return weights.fetch_sdist(tmp_path_factory.mktemp("sdist"))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.delenv("G2P_WEIGHTS_DIR", raising=False)
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "weights" / "g2p_en-1.0.0"


@pytest.fixture
def local_fetch(sdist, monkeypatch):
    """Replace the download with a copy of the session's sdist; count calls."""
    calls = []

    def fake_fetch(dest):
        calls.append(dest)
        Path(str(dest)).mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(str(sdist), str(dest)))

    monkeypatch.setattr(weights, "fetch_sdist", fake_fetch)
    return calls


def test_sdist_is_the_pinned_one(sdist):
    assert weights.sha256_file(sdist) == weights.SDIST_SHA256


def test_fetch_into_empty_cache_then_reuse(cache, local_fetch):
    got = weights.ensure_weights()
    assert got == cache
    assert weights.problems(got) == []
    assert sorted(p.name for p in got.iterdir()) == sorted(weights.FILES)
    assert weights.ensure_weights() == cache
    assert len(local_fetch) == 1
    # staging directories are cleaned up
    assert [p.name for p in cache.parent.iterdir() if p.name.startswith(".g2p_en")] == []


def test_corrupt_file_is_refetched(cache, local_fetch):
    weights.ensure_weights()
    data = cache / DATA
    raw = bytearray(data.read_bytes())
    raw[1000] ^= 0xFF
    data.write_bytes(bytes(raw))
    assert weights.problems(cache)
    assert weights.ensure_weights() == cache
    assert weights.problems(cache) == []
    assert len(local_fetch) == 2


def test_partial_cache_is_refetched(cache, local_fetch):
    weights.ensure_weights()
    (cache / INDEX).unlink()
    with open(str(cache / DATA), "r+b") as fh:  # truncated download
        fh.truncate(1000)
    assert weights.ensure_weights() == cache
    assert weights.problems(cache) == []
    assert len(local_fetch) == 2


def test_env_dir_is_verified_never_fetched(tmp_path, monkeypatch, cache, local_fetch):
    weights.ensure_weights()
    mine = tmp_path / "mine"
    shutil.copytree(str(cache), str(mine))
    monkeypatch.setenv("G2P_WEIGHTS_DIR", str(mine))
    assert weights.ensure_weights() == mine
    (mine / INDEX).write_bytes(b"nope")
    with pytest.raises(WeightsError) as err:
        weights.ensure_weights()
    assert INDEX in str(err.value) and "G2P_WEIGHTS_DIR" in str(err.value)
    assert len(local_fetch) == 1


def test_no_network_and_no_cache_says_what_to_do(cache, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")
    monkeypatch.setenv("PIP_FIND_LINKS", "")
    with pytest.raises(WeightsError) as err:
        weights.ensure_weights()
    assert "G2P_WEIGHTS_DIR" in str(err.value)
    assert not cache.exists()
    assert [p.name for p in cache.parent.iterdir() if p.name.startswith(".g2p_en")] == []


def test_real_pip_download_via_cli(tmp_path, monkeypatch):
    """`python -m g2p.weights` downloads from PyPI into an empty cache and prints the dir."""
    full = dict(os.environ)
    full.pop("G2P_WEIGHTS_DIR", None)
    full["TFOPT_CACHE"] = str(tmp_path / "cache")
    full["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-m", "g2p.weights"], cwd=str(ROOT), env=full,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, timeout=900)
    assert out.returncode == 0, out.stderr
    path = Path(out.stdout.strip())
    assert path == tmp_path / "cache" / "weights" / "g2p_en-1.0.0"
    assert weights.problems(path) == []

"""build-tf without an engine: the version tables, the Dockerfiles, the dry run, the recipe hash."""

import contextlib
import io
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from plans import UNIT_VARIANTS, unit_plan
from tfopt import paths
from tfopt.plan.load import load_plan
from tfopt.errors import ConfigError
from tfopt.source_build import recipe as recipes

ROOT = paths.PROJECT_ROOT
TF_RECIPE = ROOT / "builders" / "tensorflow"
FIXTURE_RECIPE = ROOT / "tests" / "fixtures" / "isa-wheel"
BAZEL_FIXTURE = ROOT / "tests" / "fixtures" / "bazel-wheel"
RECIPES = [TF_RECIPE, FIXTURE_RECIPE, BAZEL_FIXTURE]
DOCKERFILE_INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
    "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}


@pytest.fixture(autouse=True)
def no_engine(monkeypatch, tmp_path):
    """Nothing here may talk to Docker, and the wheelhouse is private."""
    from tfopt.engine.client import Engine

    def refuse(*args, **kwargs):
        raise AssertionError("a unit test tried to connect to a Docker engine")

    monkeypatch.setattr(Engine, "connect", classmethod(refuse))
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))


def plan_for(tmp_path, source: dict, python="3.7", name="v"):
    """A one-variant plan building from source with the given tensorflow.source block."""
    path = tmp_path / "variants.yaml"
    path.write_text(yaml.safe_dump({"variants": {name: {"python": python, "tensorflow": {"source": source}}}}))
    return load_plan(path)


def resolved(tmp_path, **source):
    source = {"recipe": str(TF_RECIPE), "version": "1.13.1", **source}
    plan = plan_for(tmp_path, source)
    return recipes.resolve(plan.variants["v"], plan)


def table_versions(folder):
    return list(yaml.safe_load((folder / "versions.yaml").read_text())["versions"])


# --- the version tables ------------------------------------------------------------
@pytest.mark.parametrize("folder,version", [(f, v) for f in RECIPES for v in table_versions(f)])
def test_every_row_resolves_completely(tmp_path, folder, version):
    recipe = recipes.resolve(plan_for(tmp_path, {"recipe": str(folder), "version": version,
                                                 "copts": "-O3 -march=haswell", "configs": ["opt", "mkl"]})
                             .variants["v"])
    rendered = [c for _, c in recipe.commands] + list(recipe.environment.values()) + list(recipe.build_args.values())
    assert not [r for r in rendered if re.search(r"\{[a-z_]+\}", r)], "unrendered placeholders"
    assert any(phase == "build" for phase, _ in recipe.commands)
    assert recipe.row["python"] and recipe.wheel_glob.endswith(".whl") and recipe.isa_library
    assert len(recipe.recipe_hash) == 16 and recipe.image_tag.startswith("tfopt-builder-")
    for pattern in recipe.isa_ignore_symbols:
        re.compile(pattern)


@pytest.mark.parametrize("version", table_versions(TF_RECIPE))
def test_tf_rows_pin_a_bazel_configure_accepts(version):
    row = recipes.table_row(TF_RECIPE, version)
    low, high = row["bazel_accepts"]
    assert recipes._version_tuple(low) <= recipes._version_tuple(row["bazel"]) <= recipes._version_tuple(high)
    assert row["configure_env"]["TF_NEED_CUDA"] == "0"
    assert any("--config=opt" in c or "{configs}" in c for c in row["steps"]["build"])


def test_tf_1_13_1_row_is_the_issue_toolchain():
    row = recipes.table_row(TF_RECIPE, "1.13.1")
    assert row["base"] == {"image": "ubuntu:18.04"} and row["python"] == "3.7" and row["bazel"] == "0.19.1"
    pins = set(row["build_pins"])
    assert {"keras_applications==1.0.6", "keras_preprocessing==1.0.5"} <= pins
    assert any(p.startswith("numpy==1.16") for p in pins)
    assert "openjdk-8-jdk" in (TF_RECIPE / "Dockerfile").read_text()


def test_unknown_version_says_which_rows_exist(tmp_path):
    with pytest.raises(ConfigError, match=r"no row for TensorFlow 1\.13\.2.*did you mean '1\.13\.1'"):
        resolved(tmp_path, version="1.13.2")


def test_unknown_row_key_is_rejected(tmp_path):
    folder = tmp_path / "recipe"
    shutil.copytree(FIXTURE_RECIPE, folder)
    table = yaml.safe_load((folder / "versions.yaml").read_text())
    table["versions"]["0.1.0"]["bazle"] = "0.19.2"
    (folder / "versions.yaml").write_text(yaml.safe_dump(table))
    with pytest.raises(ConfigError, match="unknown key 'bazle'"):
        recipes.resolve(plan_for(tmp_path, {"recipe": str(folder), "version": "0.1.0"}).variants["v"])


def test_a_pypi_variant_is_not_a_source_build(tmp_path):
    from tfopt.source_build.build import build_tf

    path = tmp_path / "variants.yaml"
    path.write_text("variants:\n  stock: {python: '3.11', tensorflow: {pypi: tensorflow-cpu==2.21.0}}\n")
    with pytest.raises(ConfigError, match="does not build TensorFlow from source"):
        build_tf(load_plan(path), "stock", dry_run=True)


# --- the Dockerfiles ---------------------------------------------------------------
def dockerfile_instructions(path: Path):
    """(instruction, arguments) pairs, with continuation lines joined and comments dropped."""
    out, pending = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, rest = line.partition(" ")
        out.append((keyword, rest.strip()))
    assert not pending, f"{path} ends inside a continuation"
    return out


@pytest.mark.parametrize("folder", RECIPES, ids=lambda f: f.name)
def test_dockerfile_parses(folder):
    instructions = dockerfile_instructions(folder / "Dockerfile")
    keywords = [k for k, _ in instructions]
    assert all(k in DOCKERFILE_INSTRUCTIONS for k in keywords), set(keywords) - DOCKERFILE_INSTRUCTIONS
    assert all(k.isupper() for k in keywords)
    first = next(k for k in keywords if k != "ARG")
    assert first == "FROM" and keywords.count("FROM") == 1
    froms = keywords.index("FROM")
    before = {rest.split("=")[0] for k, rest in instructions[:froms]}
    assert "BASE_IMAGE" in before and "${BASE_IMAGE}" in instructions[froms][1]
    declared = {rest.split("=")[0] for k, rest in instructions[froms:] if k == "ARG"}
    env = {m for k, rest in instructions if k == "ENV" for m in re.findall(r"(\w+)=", rest)}
    used = {m for k, rest in instructions[froms + 1:] if k != "ARG"
            for m in re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", rest)}
    assert used <= declared | env, f"ARGs used but not declared: {used - declared - env}"
    for version in table_versions(folder):
        row = recipes.table_row(folder, version)
        assert set(row.get("build_args") or {}) <= declared, "build args the Dockerfile does not declare"
        undeclared_defaults = {a for k, rest in instructions[froms:] if k == "ARG" and "=" not in rest
                               for a in [rest]} - set(row.get("build_args") or {})
        assert not undeclared_defaults, f"ARGs with no default and no value in row {version}"
    assert ("WORKDIR", recipes.table_row(folder, table_versions(folder)[0])["workdir"]) in instructions


def test_build_context_holds_the_recipe(tmp_path):
    import tarfile

    from tfopt.source_build.container import build_context

    recipe = resolved(tmp_path)
    with tarfile.open(fileobj=build_context(recipe)) as tar:
        names = set(tar.getnames())
    assert {"Dockerfile", "versions.yaml"} <= names


# --- the dry run ------------------------------------------------------------------
def dry_run(name, file=UNIT_VARIANTS):
    from tfopt.source_build.build import build_tf

    with contextlib.redirect_stdout(io.StringIO()) as said:
        assert build_tf(load_plan(file), name, dry_run=True) is None
    return said.getvalue().rstrip("\n")


def test_dry_run_tf1_avx2_is_complete():
    text = dry_run("tf1-avx2")
    for expected in (
        "bazel           0.19.1", "ubuntu:18.04", "python          3.7",
        "CC_OPT_FLAGS=-march=haswell -mavx2 -mfma -O3",
        "PYTHON_BIN_PATH=/usr/bin/python3.7", "USE_DEFAULT_PYTHON_LIB_PATH=1", "TF_NEED_CUDA=0",
        "TF_ENABLE_XLA=0", "TF_DOWNLOAD_CLANG=0", "TF_SET_ANDROID_WORKSPACE=0",
        "keras_applications==1.0.6", "keras_preprocessing==1.0.5", "numpy==1.16",
        "./configure", "--config=opt --config=noaws --config=nohdfs --config=nokafka --config=noignite",
        "--jobs=2", "--local_resources=8192,2.0,1.0", "timeout 12 h",
        "PACKAGING_PINS=setuptools==41.6.0 wheel==0.33.6",
        "npm @bazel/bazel-linux_x64@0.19.1", "binary sha256 e11f0e21",
        "--repository_cache=/cache/repository_cache",
        "--output_user_root=/cache/bazel",
        "https://storage.googleapis.com/mirror.tensorflow.org/bitbucket.org/eigen/eigen/get/",
        "//tensorflow/tools/pip_package:build_pip_package",
        "bazel-bin/tensorflow/tools/pip_package/build_pip_package /out",
        "cache volume    tfopt-build-cache-tensorflow-1.13.1 → /cache",
        "tfopt-builder-tensorflow:1.13.1-", "BAZEL_VERSION=0.19.1", "TF_VERSION=1.13.1",
        "recipe hash", "expects fma, avx2 instructions", "dry run: nothing was built",
    ):
        assert expected in text, f"{expected!r} missing from the dry run:\n{text}"
    assert "--config=mkl" not in text


def test_dry_run_mkl_adds_config_and_changes_hash():
    plain, mkl = dry_run("tf1-avx2"), dry_run("tf1-avx2-mkl")
    assert "build --config=opt --config=mkl --config=noaws" in mkl
    hash_of = lambda text: re.search(r"recipe hash\s+(\w+)", text).group(1)  # noqa: E731
    image_of = lambda text: re.search(r"(tfopt-builder-\S+)", text).group(1)  # noqa: E731
    assert hash_of(plain) != hash_of(mkl) and image_of(plain) == image_of(mkl)


def test_dry_run_of_the_fixture_names_its_base():
    text = dry_run("fixture-haswell", ROOT / "tests" / "fixtures" / "variants-fixture.yaml")
    assert "ensure_base(suite='bookworm'" in text and "'gcc'" in text
    assert "CFLAGS=\"$CC_OPT_FLAGS\"" in text and "network off" in text


def test_eigen_rewrite_edits_the_workspace(tmp_path):
    src = tf_source_tree(tmp_path / "src")
    assert run_prepare(resolved(tmp_path), src).returncode == 0
    text = (src / "tensorflow" / "workspace.bzl").read_text()
    assert '"https://storage.googleapis.com/mirror.tensorflow.org/bitbucket.org/eigen/eigen/get/9f48e814419e.tar.gz"' in text
    assert '"https://mirror.bazel.build/bitbucket.org/eigen/eigen/get/9f48e814419e.tar.gz"' in text
    assert '"https://bitbucket.org/' not in text


def test_a_rewrite_that_misses_fails_the_build(tmp_path):
    recipe = resolved(tmp_path)
    (tmp_path / "tensorflow").mkdir()
    (tmp_path / "tensorflow" / "workspace.bzl").write_text("nothing to rewrite\n")
    prepare = "set -e\n" + "\n".join(c for phase, c in recipe.commands if phase == "prepare")
    assert subprocess.run(["bash", "-c", prepare], cwd=tmp_path).returncode != 0


def test_script_echoes_each_step_and_fails_fast(tmp_path):
    script = resolved(tmp_path).script
    assert script.startswith("set -euo pipefail\nexec 1>&2\n")
    assert "echo 'tfopt[build]$ bazel" in script


# --- the recipe hash ------------------------------------------------------------------
def test_recipe_hash_follows_what_changes_the_wheel(tmp_path):
    base = resolved(tmp_path, copts="-O3 -march=haswell")
    assert resolved(tmp_path, copts="-O3 -march=haswell").recipe_hash == base.recipe_hash
    assert resolved(tmp_path, copts="-O3 -march=skylake").recipe_hash != base.recipe_hash
    assert resolved(tmp_path, copts="-O3 -march=haswell", configs=["opt", "mkl"]).recipe_hash != base.recipe_hash
    assert resolved(tmp_path, copts="-O3 -march=haswell", xla=True).recipe_hash != base.recipe_hash
    same = resolved(tmp_path, copts="-O3 -march=haswell", jobs=8, ram_mb=16000)
    assert same.recipe_hash == base.recipe_hash, "jobs and ram_mb bound resources only"
    assert "--jobs=8" in same.script and "--local_resources=16000,8.0,1.0" in same.script


def test_recipe_hash_follows_the_recipe_files(tmp_path):
    folder = tmp_path / "isa-wheel"
    shutil.copytree(FIXTURE_RECIPE, folder)
    source = {"recipe": str(folder), "version": "0.1.0", "copts": "-O3"}
    before = recipes.resolve(plan_for(tmp_path, source, python="3.11").variants["v"])
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "x.pyc").write_bytes(b"noise")
    assert recipes.resolve(plan_for(tmp_path, source, python="3.11").variants["v"]).recipe_hash == before.recipe_hash
    with open(folder / "src" / "isa_fixture.c", "a") as f:
        f.write("\n/* changed */\n")
    after = recipes.resolve(plan_for(tmp_path, source, python="3.11").variants["v"])
    assert after.recipe_hash != before.recipe_hash and after.image_key != before.image_key


# --- the audit's defects -------------------------------------------------------------
ICU_OLD = "e15ffd84606323cbad5515bf9ecdf8061cc3bf80fb883b9e6aa162e485aa9761"
ICU_NEW = "86b85fbf1b251d7a658de86ce5a0c8f34151027cc60b01e1b76f167379acf181"
LICENSE_OLD = "7ca8f169368827781684f7f20876d17b4415bbc5cb28baa4ca4652f0dda05e9f"
LICENSE_NEW = "629431b6e4f268457ec1c1a9c9032506e3b720312e22cc8f679f76c2decacad2"


def run_prepare(recipe, src):
    script = "set -euo pipefail\n" + "\n".join(c for phase, c in recipe.commands if phase == "prepare")
    return subprocess.run(["bash", "-c", script], cwd=src, capture_output=True, text=True)


def tf_source_tree(root):
    """The three files the 1.13.1 rewrites edit, with the lines as TF 1.13.1 ships them."""
    (root / "tensorflow").mkdir(parents=True)
    (root / "third_party" / "icu").mkdir(parents=True)
    (root / "tensorflow" / "workspace.bzl").write_text(textwrap.dedent(f"""\
        "https://mirror.bazel.build/bitbucket.org/eigen/eigen/get/9f48e814419e.tar.gz",
        "https://bitbucket.org/eigen/eigen/get/9f48e814419e.tar.gz",
        filegroup_external(
            name = "org_python_license",
            sha256_urls = {{
                "{LICENSE_OLD}": [
                    "https://mirror.bazel.build/docs.python.org/2.7/_sources/license.txt",
                    "https://docs.python.org/2.7/_sources/license.txt",
                ],
            }},
        )
    """))
    (root / "third_party" / "icu" / "workspace.bzl").write_text(
        f'        sha256 = "{ICU_OLD}",\n        strip_prefix = "icu-release-62-1",\n')
    return root


def test_icu_and_python_licence_checksums_are_rewritten(tmp_path):
    src = tf_source_tree(tmp_path / "src")
    result = run_prepare(resolved(tmp_path), src)
    assert result.returncode == 0, result.stderr
    icu = (src / "third_party" / "icu" / "workspace.bzl").read_text()
    workspace = (src / "tensorflow" / "workspace.bzl").read_text()
    assert f'sha256 = "{ICU_NEW}"' in icu and ICU_OLD not in icu
    assert f'"{LICENSE_NEW}": [' in workspace and LICENSE_OLD not in workspace
    assert "https://storage.googleapis.com/mirror.tensorflow.org/bitbucket.org/eigen/eigen/get/9f48e814419e" in workspace


def test_checksum_rewrite_that_misses_fails(tmp_path):
    src = tf_source_tree(tmp_path / "src")
    (src / "third_party" / "icu" / "workspace.bzl").write_text('sha256 = "something else"\n')
    assert run_prepare(resolved(tmp_path), src).returncode != 0


def test_dry_run_shows_each_rewrite_and_why():
    text = dry_run("tf1-avx2")
    assert "rewrite         third_party/icu/workspace.bzl: e15ffd84606323cbad5515bf… → 86b85fbf1b251d7a658de86c…" in text
    assert "lhelontra/tensorflow-on-arm#107" in text and "org_python_license" in text
    assert "bitbucket.org dropped Mercurial" in text


def test_eigen_note_says_what_is_known():
    notes = " ".join(recipes.table_row(TF_RECIPE, "1.13.1")["notes"].split())
    assert "mirror.bazel.build, which stays first" in notes
    assert "neither is verified to hold commit 9f48e814419e" in notes
    assert "rewritten to TF's GCS mirror (the sha256" not in notes  # the old, unverified claim


def configure_check(tmp_path, bazelrc_text, **source):
    recipe = resolved(tmp_path, **source)
    checks = [c for phase, c in recipe.commands if phase == "configure" and "tfopt_expect" in c]
    assert len(checks) == 1
    (tmp_path / ".tf_configure.bazelrc").write_text(bazelrc_text)
    return subprocess.run(["bash", "-c", "set -euo pipefail\n" + checks[0]], cwd=tmp_path,
                          capture_output=True, text=True)


WRITTEN = """\
build --action_env PYTHON_BIN_PATH="/usr/bin/python3.7"
build --action_env PYTHON_LIB_PATH="/usr/lib/python3/dist-packages"
build --python_path="/usr/bin/python3.7"
build:opt --copt=-march=haswell
build:opt --copt=-O3
build:opt --host_copt=-march=native
"""


def test_configure_result_is_checked_against_the_variant(tmp_path):
    assert configure_check(tmp_path, WRITTEN, copts="-march=haswell -O3").returncode == 0


def test_configure_default_taken_silently_fails_loudly(tmp_path):
    """configure read EOF as '' and kept its default -march=native: the build stops there."""
    defaulted = WRITTEN.replace("build:opt --copt=-march=haswell\nbuild:opt --copt=-O3\n", "build:opt --copt=-march=native\n")
    result = configure_check(tmp_path, defaulted, copts="-march=haswell -O3")
    assert result.returncode == 3
    assert "lacks: build:opt --copt=-march=haswell (configure took a default" in result.stderr
    assert "build:opt --copt=-march=native" in result.stderr  # it shows what configure wrote


def test_isa_library_glob_matches_the_data_purelib_layout():
    from fnmatch import fnmatch

    glob = recipes.table_row(TF_RECIPE, "1.13.1")["isa"]["library"]
    assert fnmatch("tensorflow/python/_pywrap_tensorflow_internal.so", glob)
    assert fnmatch("tensorflow-1.13.1.data/purelib/tensorflow/python/_pywrap_tensorflow_internal.so", glob)
    assert not fnmatch("tensorflow/python/_pywrap_tensorflow_internal.so.lock", glob)


def test_builder_pins_setuptools_and_wheel():
    dockerfile = (TF_RECIPE / "Dockerfile").read_text()
    assert '"${PIP_PIN}" ${PACKAGING_PINS}' in dockerfile and "setuptools wheel" not in dockerfile
    pins = recipes.table_row(TF_RECIPE, "1.13.1")["build_args"]["PACKAGING_PINS"].split()
    assert all("==" in pin for pin in pins) and {p.split("==")[0] for p in pins} == {"setuptools", "wheel"}


# --- offline bundles and remote caches --------------------------------------------------
def fixture_dry_run(name="bazel-haswell", **access):
    from tfopt.source_build.build import build_tf

    with contextlib.redirect_stdout(io.StringIO()) as said:
        build_tf(load_plan(ROOT / "tests" / "fixtures" / "variants-fixture.yaml"), name, dry_run=True, **access)
    return said.getvalue().rstrip("\n")


def test_distdir_turns_the_network_off_and_mounts_the_bundle(tmp_path):
    from tfopt.source_build import container

    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "fixture-dep-1.0.tar.gz").write_bytes(b"x")
    text = fixture_dry_run(distdir=str(tmp_path / "bundle"))
    assert "build container network off" in text and "--distdir=/distdir" in text
    assert f"offline, from the bundle {tmp_path / 'bundle'}" in text
    plan = load_plan(ROOT / "tests" / "fixtures" / "variants-fixture.yaml")
    recipe = recipes.resolve(plan.variants["bazel-haswell"], plan, {"distdir": str(tmp_path / "bundle")})
    mounts = container.volumes(recipe, "vol")
    assert mounts[str(tmp_path / "bundle")] == {"bind": "/distdir", "mode": "ro"}
    online = recipes.resolve(plan.variants["bazel-haswell"], plan)
    assert online.recipe_hash == recipe.recipe_hash  # where the archives come from does not change the wheel


def test_an_empty_or_missing_distdir_is_refused_before_any_work(tmp_path):
    with pytest.raises(ConfigError, match="no such folder"):
        fixture_dry_run(distdir=str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="is empty"):
        fixture_dry_run(distdir=str(tmp_path / "empty"))


@pytest.mark.parametrize("bazel,url,flag", [
    ("0.19.1", "http://cache.example:8080/tf", "--remote_http_cache=http://cache.example:8080/tf"),
    ("0.19.1", "grpc://cache.example:9092", "--remote_cache=cache.example:9092"),
    ("2.1.0", "http://cache.example:8080/tf", "--remote_cache=http://cache.example:8080/tf"),
    ("2.1.0", "grpcs://cache.example:9092", "--remote_cache=grpcs://cache.example:9092"),
])
def test_remote_cache_flag_follows_the_bazel_version(bazel, url, flag):
    from tfopt.source_build.bazel import remote_cache_flag

    assert remote_cache_flag(bazel, url) == flag


def test_remote_cache_on_loopback_uses_the_host_network():
    text = fixture_dry_run(remote_cache="http://127.0.0.1:9999/c")
    assert "--remote_http_cache=http://127.0.0.1:9999/c" in text
    assert "build container network host" in text and "host network" in text


def test_remote_cache_must_be_a_url():
    with pytest.raises(ConfigError, match="expected http"):
        fixture_dry_run(remote_cache="cache.example:8080")


def test_fetch_only_runs_fetch_instead_of_build():
    text = fixture_dry_run(fetch_only=True)
    assert "[fetch] bazel" in text and "query --output=build '//external:*'" in text
    assert "[build]" not in text and "[package]" not in text and "fetch only" in text


def test_without_container_network_the_tf_build_stops_at_once(monkeypatch):
    """--bridge=none here: a clear FetchError before the builder image or hours of Bazel."""
    from tfopt.source_build.build import build_tf
    from tfopt.engine.client import Engine
    from tfopt.errors import FetchError

    class NoNetwork:
        def containers_have_network(self):
            return False

        def __getattr__(self, name):
            raise AssertionError(f"build-tf went on to Engine.{name} without a network")

    monkeypatch.setattr(Engine, "connect", classmethod(lambda cls: NoNetwork()))
    with pytest.raises(FetchError, match="gives containers no network") as caught:
        build_tf(unit_plan(), "tf1-avx2")
    assert "--fetch-only" in caught.value.hint and "--distdir" in caught.value.hint


QUERY = """\
# /src/WORKSPACE:8:1
http_archive(
  name = "fixture_dep",
  urls = ["http://127.0.0.1:38193/fixture-dep-1.0.tar.gz", "https://mirror.example/fixture-dep-1.0.tar.gz"],
  sha256 = "%s",
)

# /src/WORKSPACE:14:1
http_archive(
  name = "declared_but_not_fetched",
  urls = ["https://example.invalid/other.tar.gz"],
  sha256 = "%s",
)

# /DEFAULT.WORKSPACE:5:1
new_local_repository(
  name = "local_jdk",
  path = "/usr/lib/jvm/java",
)
"""


def test_fetch_output_becomes_a_bundle_with_a_manifest(tmp_path):
    import hashlib
    import json
    import tarfile

    from tfopt.source_build import bundle

    blobs = {b"the archive": None, b"fetched by ctx.download": None}
    cache = tmp_path / "rc"
    for data in blobs:
        sha = hashlib.sha256(data).hexdigest()
        (cache / "content_addressable" / "sha256" / sha).mkdir(parents=True)
        (cache / "content_addressable" / "sha256" / sha / "file").write_bytes(data)
        blobs[data] = sha
    staging = tmp_path / "staging"
    staging.mkdir()
    with tarfile.open(staging / "repository_cache.tar", "w") as tar:
        tar.add(cache / "content_addressable", arcname="content_addressable")
    (staging / "external.txt").write_text(QUERY % (blobs[b"the archive"], "0" * 64))

    target = bundle.make(staging, tmp_path / "bundle", "v")
    manifest = json.loads((target / "manifest.json").read_text())
    assert [e["name"] for e in manifest["entries"]] == ["fixture_dep"]
    entry = manifest["entries"][0]
    assert entry["sha256"] == blobs[b"the archive"] and entry["file"] == "fixture-dep-1.0.tar.gz"
    assert entry["urls"][1] == "https://mirror.example/fixture-dep-1.0.tar.gz"
    assert (target / "fixture-dep-1.0.tar.gz").read_bytes() == b"the archive"
    assert manifest["unnamed_sha256"] == [blobs[b"fetched by ctx.download"]]
    assert "1 archives" in bundle.summary(target)
    bundle.check(target)

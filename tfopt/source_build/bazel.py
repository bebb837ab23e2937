"""Bazel for a builder image: where each version comes from, fetched and verified on the host,
and the flags that point a build at an offline bundle or a remote cache.

    sources(table, version)        the `bazel:` row of a version table: release and npm sources, sha256
    fetch(source)                  the verified binary, cached in ~/.cache/tfopt/bazel/<sha256>
    access_flags(...)              --repository_cache, --distdir, --remote_http_cache / --remote_cache

A row names Bazel's two publications of the same binary: the GitHub release file and
the npm package @bazel/bazel-linux_x64 (a tarball holding that file). Whichever is
used, its sha256 is checked; the binary's own sha256 is checked after unpacking too.
"""

import hashlib
import io
import re
import shutil
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlparse

from .. import paths
from ..errors import ConfigError, FetchError
from ..log import log

SOURCE_ORDER = ("npm", "release")  # npm first: the registry answers where GitHub may not
CACHE_DIR_IN_CONTAINER = "repository_cache"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass(frozen=True)
class BazelSource:
    version: str
    binary_sha256: str          # the linux-x86_64 executable itself
    release_url: Optional[str]  # the GitHub release file (is the binary)
    npm_package: Optional[str]  # e.g. @bazel/bazel-linux_x64@0.19.1
    npm_url: Optional[str]      # the package tarball in the npm registry
    npm_sha256: Optional[str]   # of that tarball
    npm_member: Optional[str]   # the binary's path inside the tarball

    def as_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


def sources(table: Path, data: Dict[str, Any], version: str) -> BazelSource:
    rows = {str(k): v for k, v in (data.get("bazel") or {}).items()}
    where = f"{table}: bazel {version}"
    if version not in rows:
        raise ConfigError(f"{table}: no `bazel:` row for Bazel {version}, so its download cannot be verified",
                          hint=f"rows: {', '.join(rows) or 'none'}; add one with the release URL, the npm "
                               f"package and their sha256 (docs/build-tf.md)")
    row = rows[version] or {}
    release, npm = row.get("release") or {}, row.get("npm") or {}
    if not row.get("sha256") or not (release.get("url") or npm.get("url")):
        raise ConfigError(f"{where}: needs sha256 (of the binary) and a release and/or npm source")
    if npm and not {"package", "url", "sha256", "member"} <= set(npm):
        raise ConfigError(f"{where}: npm needs package, url, sha256 (of the tarball) and member")
    return BazelSource(version=version, binary_sha256=row["sha256"], release_url=release.get("url"),
                       npm_package=npm.get("package"), npm_url=npm.get("url"),
                       npm_sha256=npm.get("sha256"), npm_member=npm.get("member"))


def describe(source: BazelSource) -> List[str]:
    lines = []
    if source.npm_url:
        lines.append(f"npm {source.npm_package}: {source.npm_url} (sha256 {source.npm_sha256[:16]}…)")
    if source.release_url:
        lines.append(f"release: {source.release_url}")
    lines.append(f"binary sha256 {source.binary_sha256}")
    return lines


def cached_binary(source: BazelSource) -> Path:
    return paths.cache_dir() / "bazel" / f"bazel-{source.version}-{source.binary_sha256[:16]}"


def fetch(source: BazelSource, opener: Callable[[str], bytes] = None) -> Path:
    """The Bazel binary on the host: from the cache, else from npm, else from the release URL."""
    target = cached_binary(source)
    if target.is_file() and _sha256(target.read_bytes()) == source.binary_sha256:
        return target
    read = opener or _download
    failures: List[str] = []
    for kind in SOURCE_ORDER:
        url = source.npm_url if kind == "npm" else source.release_url
        if not url:
            continue
        log.info(f"fetching Bazel {source.version} from {url}")
        try:
            data = read(url)
        except OSError as exc:
            failures.append(f"{url}: {exc}")
            continue
        binary = _unpack(source, kind, url, data)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkstemp(prefix=".bazel-", dir=target.parent)[1])
        partial.write_bytes(binary)
        partial.chmod(0o755)
        partial.replace(target)
        return target
    raise FetchError(f"Bazel {source.version} could not be downloaded: " + "; ".join(failures),
                     hint="put the verified binary at " + str(target) + " by hand, or give this host "
                          "access to the npm registry or GitHub")


def _unpack(source: BazelSource, kind: str, url: str, data: bytes) -> bytes:
    if kind == "npm":
        _verify(data, source.npm_sha256, url)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            try:
                data = tar.extractfile(source.npm_member).read()
            except (KeyError, AttributeError):
                raise FetchError(f"{url}: has no {source.npm_member}") from None
    _verify(data, source.binary_sha256, f"{url} (the bazel binary)")
    return data


def _verify(data: bytes, expected: str, what: str) -> None:
    actual = _sha256(data)
    if actual != expected:
        raise FetchError(f"{what}: sha256 {actual}, but the version table expects {expected}",
                         hint="the download was altered or the table is wrong; nothing was installed")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


def install_into(context_dir: Path, binary: Path) -> None:
    shutil.copy2(binary, context_dir / "bazel")


# --- how a build reaches its dependencies ------------------------------------------
def remote_cache_flag(bazel_version: str, url: str) -> str:
    """Bazel < 1.0 takes an HTTP cache as --remote_http_cache; later ones (and gRPC) --remote_cache."""
    scheme = urlparse(url).scheme
    if scheme not in ("http", "https", "grpc", "grpcs"):
        raise ConfigError(f"remote_cache {url!r}: expected http(s):// (bazel-remote, nginx WebDAV, ...) "
                          f"or grpc(s)://")
    major = int(bazel_version.split(".")[0]) if bazel_version else 99
    if scheme.startswith("http") and major < 1:
        return f"--remote_http_cache={url}"
    if scheme.startswith("grpc") and major < 1:
        return f"--remote_cache={url.split('://', 1)[1]}"
    return f"--remote_cache={url}"


def access_flags(bazel_version: str, cache: str, distdir: Optional[str], remote_cache: Optional[str]) -> str:
    flags = [f"--repository_cache={cache}/{CACHE_DIR_IN_CONTAINER}"]
    if distdir:
        flags.append(f"--distdir={distdir}")
    if remote_cache:
        flags.append(remote_cache_flag(bazel_version, remote_cache))
    return " ".join(flags)


def needs_host_network(remote_cache: Optional[str]) -> bool:
    """A cache on the host's loopback is reachable from a container only in the host's network."""
    return bool(remote_cache) and urlparse(remote_cache).hostname in LOOPBACK_HOSTS


def parse_external(query_output: str) -> List[Tuple[str, List[str], str]]:
    """(rule name, urls, sha256) of each download in `bazel query --output=build '//external:*'`."""
    found = []
    for block in query_output.split("\n\n"):
        name = _field(block, "name")
        sha = _field(block, "sha256")
        urls = _list_field(block, "urls") or [u for u in [_field(block, "url")] if u]
        if name and sha and urls:
            found.append((name, urls, sha))
    return found


def _field(block: str, key: str) -> Optional[str]:
    match = re.search(rf'^\s*{key} = "([^"]*)"', block, re.M)
    return match.group(1) if match else None


def _list_field(block: str, key: str) -> List[str]:
    match = re.search(rf"^\s*{key} = \[([^\]]*)\]", block, re.M | re.S)
    return re.findall(r'"([^"]+)"', match.group(1)) if match else []

"""Images through a Docker registry: the way a swarm's nodes get the run's images.

Each content-hash tag is pushed once (a tag the registry already holds with the digest this
engine pushed is not pushed again), and services then name the image by its digest,
`HOST:PORT/tfopt/REPO@sha256:…`, so every node runs exactly the bytes that were built.
Credentials are the Docker SDK's own: the user's Docker config (~/.docker/config.json),
never tfopt's files.
"""

import re
import ssl
import urllib.error
import urllib.request
from typing import Dict, Iterable, Optional

from ..errors import PushFailed, RegistryUnavailable
from ..log import log
from .client import Engine

NAMESPACE = "tfopt"
MANIFEST_TYPES = ", ".join(("application/vnd.docker.distribution.manifest.v2+json",
                            "application/vnd.oci.image.manifest.v1+json"))
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def address(url: str) -> str:
    """`HOST:PORT` as image references spell a registry: from `http(s)://HOST:PORT[/]` or itself."""
    return re.sub(r"^[a-z]+://", "", url.strip()).rstrip("/")


def _scheme(url: str) -> str:
    """The scheme to ask the registry's API with: the one given, else https except on loopback,
    which Docker itself reaches over plain http."""
    if "://" in url:
        return url.split("://", 1)[0]
    host = address(url).rsplit(":", 1)[0]
    return "http" if host in ("localhost", "::1") or host.startswith("127.") else "https"


_PLAIN_HTTP: set = set()  # addresses that answered plain http after https failed (insecure registries)


def _base(url: str) -> str:
    scheme = "http" if address(url) in _PLAIN_HTTP else _scheme(url)
    return f"{scheme}://{address(url)}"


def check(url: str, timeout_s: float = 10.0) -> str:
    """The registry's `HOST:PORT` once its API answers (200, or 401: it wants the credentials of
    the user's Docker config, which pushes send); else RegistryUnavailable naming the URL. Like
    Docker, https first, then plain http (which the engine accepts only for its insecure-registries)."""
    api = f"{_base(url)}/v2/"
    try:
        try:
            urllib.request.urlopen(api, timeout=timeout_s).close()
        except urllib.error.URLError as exc:
            if "://" in url or not api.startswith("https:") or not isinstance(exc.reason, ssl.SSLError):
                raise
            api = "http" + api[len("https"):]
            urllib.request.urlopen(api, timeout=timeout_s).close()
            _PLAIN_HTTP.add(address(url))
    except urllib.error.HTTPError as exc:
        if exc.code != 401:
            raise RegistryUnavailable(f"the registry at {url} answers {api} with HTTP {exc.code}, "
                                      "not as a Docker registry does (200 or 401)",
                                      hint="give the address of a Docker registry (distribution): --registry HOST:PORT"
                                      ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RegistryUnavailable(f"no registry answers at {url} ({api}: {reason})",
                                  hint="start it (Debian: apt-get install docker-registry), or fix --registry / "
                                       "the file's registry:") from None
    return address(url)


def _remote_digest(url: str, repository: str, tag: str) -> Optional[str]:
    """The digest the registry holds for repository:tag, or None (absent, or not readable)."""
    request = urllib.request.Request(f"{_base(url)}/v2/{repository}/manifests/{tag}",
                                     method="HEAD", headers={"Accept": MANIFEST_TYPES})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.headers.get("Docker-Content-Digest")
    except (urllib.error.URLError, OSError):
        return None


def repository_of(url: str, tag: str) -> str:
    """Where tfopt keeps a local tag in the registry: `HOST:PORT/tfopt/<its repository>`."""
    local_repository = tag.rsplit(":", 1)[0]
    return f"{address(url)}/{NAMESPACE}/{local_repository.rsplit('/', 1)[-1]}"


def push(engine: Engine, url: str, tags: Iterable[str]) -> Dict[str, str]:
    """Each local tag → `repository@sha256:…` in the registry, pushing only what it lacks."""
    refs: Dict[str, str] = {}
    for tag in dict.fromkeys(tags):
        image = engine.client.images.get(tag)
        repository = repository_of(url, tag)
        remote_tag = tag.rsplit(":", 1)[1] if ":" in tag.split("/")[-1] else "latest"
        path = repository.split("/", 1)[1]
        ours = [d.split("@", 1)[1] for d in image.attrs.get("RepoDigests") or () if d.startswith(repository + "@")]
        held = _remote_digest(url, path, remote_tag)
        if held and held in ours:
            log.info(f"  registry: {tag} is there already ({held[:19]}…)")
            refs[tag] = f"{repository}@{held}"
            continue
        with log.step(f"  registry: pushing {tag} to {repository}", done=f"registry: {tag} pushed"):
            image.tag(repository, remote_tag)
            digest = None
            for chunk in engine.client.api.push(repository, tag=remote_tag, stream=True, decode=True):
                if chunk.get("error"):
                    raise PushFailed(f"pushing {tag} to the registry at {url} failed: {chunk['error']}",
                                     hint="check that the registry accepts pushes (insecure-registries in the "
                                          "engine's daemon.json for plain http off loopback) and, if it wants "
                                          "credentials, `docker login` as this user")
                found = DIGEST.search(str((chunk.get("aux") or {}).get("Digest") or ""))
                digest = found.group(0) if found else digest
        if digest is None:
            raise PushFailed(f"pushing {tag} to the registry at {url} reported no digest")
        refs[tag] = f"{repository}@{digest}"
    return refs

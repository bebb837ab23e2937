"""Which Docker engines a run uses, as the user named them: `--engine` values and the
variants file's `engines:` mapping → checked, named targets. Parsing only; connecting,
locking and probing them is the engine layer's (tfopt/engine/fleet.py).

A URL is unix:///path, tcp://host:port, ssh://user@host, or a Docker context's name.
`NAME=URL` names an engine; otherwise the name is derived from the URL (docs/engines.md).
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional, Sequence

from .schema import NAME_RE, NAME_RULE
from ..errors import ConfigError, did_you_mean

LOCAL = "local"
SCHEMES = ("unix://", "tcp://", "ssh://")


@dataclass(frozen=True)
class Target:
    """An engine as the user named it: `name` labels its results, `url` None is DOCKER_HOST's."""

    name: str
    url: Optional[str]
    swarm: bool = False  # url is a swarm manager's: each of its nodes becomes an engine of the run

    @property
    def shown(self) -> str:
        return f"{self.name} ({self.url or 'DOCKER_HOST or the local socket'})"


def swarm_target(url: Optional[str], values: Sequence[str] = ()) -> Target:
    """`--swarm URL` (or the file's `swarm:`): a manager's endpoint, as for --engine; not with --engine."""
    if values:
        raise ConfigError("--swarm and --engine do not go together: a swarm's nodes are the run's engines",
                          hint="give either --swarm MANAGER_URL or --engine URL (repeatable)")
    url = str(url or "").strip()
    if not url or url in SCHEMES:
        raise ConfigError("--swarm needs a manager's endpoint",
                          hint="e.g. --swarm unix:///var/run/docker.sock or --swarm ssh://me@manager")
    if "://" in url and not url.startswith(SCHEMES):
        scheme = url.split("://", 1)[0] + "://"
        raise ConfigError(f"swarm URL {url!r}: unknown scheme {scheme!r}" + did_you_mean(scheme, SCHEMES),
                          hint="use unix:///path/docker.sock, tcp://host:2376, ssh://user@host "
                               "or a Docker context's name")
    return Target("swarm", None if url == LOCAL else url, swarm=True)


def _derived_name(url: str) -> str:
    if "://" not in url:
        return url  # a context's name
    scheme, rest = url.split("://", 1)
    if scheme == "unix":
        path = Path(rest)
        return LOCAL if str(path) in ("/var/run/docker.sock", "/run/docker.sock") else \
            (path.parent.name or path.stem)
    host = rest.split("@")[-1].split("/")[0].split(":")[0]
    return host or scheme


def _safe(name: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-.") or "engine"


def targets(values: Sequence[str], declared: Mapping[str, str] = ()) -> List[Target]:
    """`--engine` values (or, without any, the file's `engines:`) → named targets, checked:
    known scheme, unique names, no engine twice. No engine at all: the local one."""
    declared = dict(declared or {})
    chosen: List[Target] = []
    for value in values or list(declared):
        value = str(value).strip()
        name, url = (value.split("=", 1) if "=" in value and "://" not in value.split("=", 1)[0]
                     else (None, value))
        if name is not None and not name.strip():
            raise ConfigError(f"engine {value!r}: the name before '=' is empty",
                              hint="write NAME=URL, e.g. second=ssh://me@box2")
        if not url.strip() or url.strip() in SCHEMES:
            raise ConfigError(f"engine {value!r}: no URL" + (" after its scheme" if url.strip() else ""),
                              hint="use unix:///path/docker.sock, tcp://host:2376, ssh://user@host "
                                   "or a Docker context's name")
        if name is None and url in declared:
            name, url = url, declared[url]
        elif name is None and url == LOCAL:
            chosen.append(Target(LOCAL, None))  # DOCKER_HOST's engine, as with no --engine at all
            continue
        if "://" in url and not url.startswith(SCHEMES):
            scheme = url.split("://", 1)[0] + "://"
            raise ConfigError(f"engine URL {url!r}: unknown scheme {scheme!r}" + did_you_mean(scheme, SCHEMES),
                              hint="use unix:///path/docker.sock, tcp://host:2376, ssh://user@host "
                                   "or a Docker context's name")
        name = _safe(name or _derived_name(url))
        if not NAME_RE.match(name):
            raise ConfigError(f"engine name {name!r}: {NAME_RULE}",
                              hint="name it: --engine NAME=URL")
        chosen.append(Target(name, url))
    if not chosen:
        return [Target(LOCAL, None)]
    names = [t.name for t in chosen]
    for t in chosen:
        if names.count(t.name) > 1:
            raise ConfigError(f"two engines are named {t.name!r}: " +
                              ", ".join(str(o.url) for o in chosen if o.name == t.name),
                              hint="name them: --engine NAME=URL")
    urls = [t.url or "local" for t in chosen]
    for t in chosen:
        if urls.count(t.url or "local") > 1:
            raise ConfigError(f"engine {t.url or 'local'} is listed twice", hint="list each engine once")
    return chosen


def run_targets(engines: Sequence[str], swarm: Optional[str], declared: Mapping[str, str] = (),
                declared_swarm: Optional[str] = None) -> List[Target]:
    """What a run uses: `--swarm` (or, without --engine, the file's `swarm:`) as one swarm target,
    else the `--engine` targets (or the file's `engines:`, or the local engine)."""
    swarm = swarm or (None if engines else declared_swarm)
    return [swarm_target(swarm, engines)] if swarm else targets(engines, declared)

"""Repairs for published wheels that current pip refuses to install.

intel-tensorflow 1.13.2 ships two .dist-info folders (its own and a stray
tensorflow-1.13.2 one); pip ≥ 20 rejects it ("multiple .dist-info directories
found"). The repair keeps the folder that matches the wheel's file name and
drops the other, together with its RECORD lines. The code is untouched.
"""

import json
import re
import shutil
import urllib.request
import zipfile
from pathlib import Path
from typing import List, Optional

from ..errors import FetchError

MULTIPLE_DIST_INFO = re.compile(r"ERROR: (\S+) has an invalid wheel.*multiple \.dist-info directories found")
SIMPLE_INDEX = "https://pypi.org/simple"


def broken_distribution(pip_log: str) -> Optional[str]:
    match = MULTIPLE_DIST_INFO.search(pip_log)
    return match.group(1) if match else None


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def find_wheel_url(name: str, version: str, abi: str, platforms: List[str]) -> dict:
    """The index entry (filename, url, sha256) of name==version for this ABI and platforms."""
    request = urllib.request.Request(f"{SIMPLE_INDEX}/{name}/",
                                     headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            files = json.load(response)["files"]
    except (OSError, ValueError) as exc:
        raise FetchError(f"cannot list {name} on the package index: {exc}") from None
    for entry in files:
        filename = entry["filename"]
        tags = filename[:-4].split("-")
        if not filename.endswith(".whl") or _normalize(tags[0]) != _normalize(name) or tags[1] != version:
            continue
        if tags[-2] == abi and any(p in tags[-1].split(".") for p in platforms):
            return {"filename": filename, "url": entry["url"], "sha256": entry["hashes"]["sha256"]}
    raise FetchError(f"no {name}=={version} wheel for ABI {abi} on the package index")


def drop_foreign_dist_info(source: Path, dest: Path) -> Path:
    """Write `dest`: `source` without the .dist-info folders not named after the wheel."""
    own = "-".join(source.name.split("-")[:2]) + ".dist-info/"
    with zipfile.ZipFile(source) as src:
        names = src.namelist()
        foreign = {n.split("/")[0] + "/" for n in names if ".dist-info/" in n and not n.startswith(own)}
        with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as out:
            for info in src.infolist():
                if any(info.filename.startswith(f) for f in foreign):
                    continue
                data = src.read(info.filename)
                if info.filename == own + "RECORD":
                    lines = data.decode().splitlines()
                    data = ("\n".join(l for l in lines if not any(l.startswith(f) for f in foreign)) + "\n").encode()
                out.writestr(info, data)
    return dest


def download(url: str, dest: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=600) as response, open(dest, "wb") as out:
            shutil.copyfileobj(response, out)
    except OSError as exc:
        raise FetchError(f"cannot download {url}: {exc}") from None

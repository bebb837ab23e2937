"""Hand-made results whose per-container figures are known exactly."""

from typing import Dict, Optional, Sequence

import numpy as np

from tfopt.records.documents import VariantResult


def container_result(name: str, levels: Sequence[Dict[int, float]], *, rounds: Optional[Sequence] = None,
                  calls: int = 5, jitter: float = 0.0, family: str = "tf1.13",
                  reference: str = "a", parent: Optional[str] = None, arm_of: Optional[str] = None,
                  settings: Optional[dict] = None, seed: int = 0) -> VariantResult:
    """One container per entry of `levels` ({words: median ms}). Calls are the median times
    exp(±jitter) symmetric offsets, so each container's median is exactly its level."""
    rng = np.random.default_rng(seed)
    visits = []
    for i, level in enumerate(levels):
        cases = []
        for words, ms in level.items():
            half = rng.uniform(0, jitter, calls // 2)
            offsets = np.concatenate([half, -half, [0.0] * (calls % 2)])
            cases.append({"words": words, "samples_ns": [ms * 1e6 * float(np.exp(o)) for o in offsets]})
        visits.append({"round": rounds[i] if rounds is not None else None,
                       "profile": {"cases": cases}})
    return VariantResult.from_doc({"variant": {"name": name, "family": family, "reference": reference,
                                               "parent": parent, "arm_of": arm_of, "settings": settings or {}},
                                   "visits": visits})


def flat(name: str, per_container_ms: Sequence[float], words=(1, 2, 3), **kw) -> VariantResult:
    """Every case of a container at the same level (ms)."""
    return container_result(name, [{w: ms for w in words} for ms in per_container_ms], **kw)

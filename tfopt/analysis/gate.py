"""The correctness gate: a variant must predict what its family's reference predicts.

Each visit's profile carries a digest of every prediction it made. All visits of a
variant must agree with each other, and with the reference variant's digest, unless
the variant declares `may_change_predictions: true` in variants.yaml.
"""

from dataclasses import dataclass
from typing import Dict, List, Optional

from ..errors import CorrectnessError
from ..records.documents import VariantResult

OK, DIFFERS, UNCHECKED = "ok", "differs", "unchecked"


@dataclass(frozen=True)
class Mismatch:
    variant: str
    reference: Optional[str]
    kind: str  # "visits-disagree" | "differs-from-reference"
    detail: str
    allowed: bool  # the variant declares may_change_predictions

    def __str__(self) -> str:
        return f"{self.variant}: {self.detail}"


def digest(result: VariantResult) -> Optional[str]:
    """The variant's single predictions digest, or None if its visits lack or disagree on one."""
    found = set(result.predictions_digests)
    return found.pop() if len(found) == 1 else None


def _short(d: Optional[str]) -> str:
    return (d or "none")[:19]


def mismatches(results: Dict[str, VariantResult], name: str) -> List[Mismatch]:
    """What is wrong with one variant's predictions; empty when it passes or can't be checked."""
    variant = results[name]
    ref, allowed = variant.reference, variant.may_change_predictions
    found: List[Mismatch] = []

    digests = variant.predictions_digests
    distinct = sorted({d for d in digests if d})
    if len(distinct) > 1 or (distinct and None in digests):
        found.append(Mismatch(name, ref, "visits-disagree",
                              f"its {len(digests)} visits produced {len(set(digests))} different "
                              f"predictions digests ({', '.join(_short(d) for d in distinct)})",
                              allowed))
    own = digest(variant)
    if ref and ref != name and ref in results and own:
        expected = digest(results[ref])
        if expected and own != expected:
            found.append(Mismatch(name, ref, "differs-from-reference",
                                  f"predictions {_short(own)} differ from reference {ref!r} "
                                  f"({_short(expected)})", allowed))
    return found


def check(results: Dict[str, VariantResult]) -> List[Mismatch]:
    """Every mismatch across the given results, allowed or not."""
    return [m for name in sorted(results) for m in mismatches(results, name)]


def status(results: Dict[str, VariantResult], name: str) -> str:
    """OK, DIFFERS (any mismatch, even an allowed one) or UNCHECKED (no digest, or its
    reference has no result or no single digest)."""
    if mismatches(results, name):
        return DIFFERS
    ref = results[name].reference or name
    if digest(results[name]) is None or ref not in results or digest(results[ref]) is None:
        return UNCHECKED
    return OK


def enforce(results: Dict[str, VariantResult]) -> List[Mismatch]:
    """Raise CorrectnessError if a variant that may not change predictions does;
    return the allowed mismatches (to report) otherwise."""
    found = check(results)
    fatal = [m for m in found if not m.allowed]
    if fatal:
        names = sorted({m.variant for m in fatal})
        lines = "\n".join(f"  - {m}" for m in fatal)
        raise CorrectnessError(
            f"predictions changed for {', '.join(names)}:\n{lines}",
            hint="fix the variant, or if the change is intended set "
                 "`may_change_predictions: true` for it in variants.yaml")
    return found

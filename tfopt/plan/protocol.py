"""How much a run measures and when it stops: every `invoke profile` measuring flag, declared once.

Each field of Protocol is one flag (its name with dashes), with its default, its help text
and how its text is read. `invoke profile`'s help and flag parsing, and the defaults in
docs/running.md (checked by a unit test), all come from these declarations.
"""

import math
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Callable, Dict, Optional

from .limits import CPUSET_RULE, parse_cpuset
from ..errors import ConfigError

DEFAULT_MAX_ROUNDS = 20
DEFAULT_MARGIN = 0.02  # a race's drop margin (tfopt/measure/race.py)
DEFAULT_TIE = 0.02  # a race's tie target


def parse_percent(text, flag: str) -> float:
    """'5%' or '5' → 0.05; '0.05' → 0.05 (a bare number below 1 is a fraction)."""
    raw = str(text).strip()
    try:
        value = float(raw.rstrip("%").strip())
    except ValueError:
        raise ConfigError(f"{flag} {raw!r} is not a percentage", hint=f"write e.g. {flag} 5%") from None
    return value / 100 if raw.endswith("%") or value >= 1 else value


def _number(kind: Callable[[str], Any], example: str) -> Callable[[Any, str], Any]:
    def parse(text, flag: str):
        try:
            return kind(str(text).strip())
        except ValueError:
            raise ConfigError(f"{flag} {text!r} is not a number", hint=f"write e.g. {flag} {example}") from None
    return parse


def _text(text, flag: str) -> str:
    return str(text)


def _flag(default, help: str, parse: Callable[[Any, str], Any] = _text, *, name: Optional[str] = None,
          shown: Optional[str] = None):
    """A Protocol field that is an `invoke profile` flag: `name` when the flag is not the field's
    name, `shown` when the default reads better in words than as a value."""
    return field(default=default, metadata={"help": help, "parse": parse, "flag": name, "shown": shown})


@dataclass
class Protocol:
    rounds: int = _flag(3, "rounds; each visits every variant once in a fresh container (with --target-ci or "
                           "--race, the minimum)", _number(int, "5"))
    repeats: int = _flag(4, "timed predict() calls per case per visit", _number(int, "10"))
    warmups: int = _flag(1, "untimed calls per case before timing", _number(int, "2"))
    seed: int = _flag(0, "seed of the per-round shuffle", _number(int, "2026"))
    pin: Optional[str] = _flag(None, "cpuset applied on top of each variant's CPU quota, e.g. 0")
    max_words: int = _flag(20, "profile cases of 1..N words", _number(int, "5"))
    timeout_s: float = _flag(1800.0, "seconds per container before it is stopped", _number(float, "600"),
                             name="timeout")
    target_ci: Optional[float] = _flag(None, "precision target: add rounds until every speedup's 95% CI "
                                             "half-width is within this, e.g. 5%", parse_percent)
    max_rounds: Optional[int] = _flag(None, "with --target-ci or --race: stop after this many rounds",
                                      _number(int, "12"), shown=str(DEFAULT_MAX_ROUNDS))
    max_minutes: Optional[float] = _flag(None, "with --target-ci or --race: start no round that would end "
                                               "after this many minutes", _number(float, "60"))
    race: bool = _flag(False, "race the variants: drop clearly slower ones after each round, stop once one "
                              "wins or all tie")
    race_margin: float = _flag(DEFAULT_MARGIN, "with --race: drop a variant whose CI says it is slower than "
                                               "the best by more than this", parse_percent)
    race_tie: float = _flag(DEFAULT_TIE, "with --race: stop when every survivor's CI against the best is "
                                         "within ±this", parse_percent)
    microbench: bool = True  # the GEMM peak and read bandwidths, for the distance-to-the-limit columns; not a flag

    @classmethod
    def from_flags(cls, **given) -> "Protocol":
        """The protocol of the flags given (None: not given, the default holds), each read as declared."""
        known = {flag_name(f): f for f in fields(cls) if "help" in f.metadata}
        values = {}
        for name, text in given.items():
            declared = known[name]
            if text is None:
                continue
            flag = "--" + name.replace("_", "-")
            values[declared.name] = text if isinstance(text, bool) else declared.metadata["parse"](text, flag)
        return cls(**values)

    @property
    def round_limit(self) -> int:
        if self.target_ci is None and not self.race:
            return self.rounds
        return self.max_rounds or max(self.rounds, DEFAULT_MAX_ROUNDS)

    def check(self) -> None:
        """Flag combinations that cannot work, before any slow work."""
        for flag, value, least in (("--rounds", self.rounds, 1), ("--repeats", self.repeats, 1),
                                   ("--warmups", self.warmups, 0), ("--max-words", self.max_words, 1)):
            if value < least:
                raise ConfigError(f"{flag} must be at least {least}, got {value}")
        if not (math.isfinite(self.timeout_s) and self.timeout_s > 0):
            raise ConfigError(f"--timeout must be a positive number of seconds, got {self.timeout_s:g}",
                              hint="e.g. --timeout 600")
        if self.pin is not None:
            try:
                parse_cpuset(self.pin)
            except ValueError:
                raise ConfigError(f"--pin {self.pin!r} is not a list of CPUs", hint="write " + CPUSET_RULE) from None
        if self.target_ci is not None and not 0 < self.target_ci < 1:
            raise ConfigError(f"--target-ci must be between 0% and 100%, got {self.target_ci:.1%}",
                              hint="e.g. --target-ci 5%")
        if self.target_ci is None and not self.race and (self.max_rounds or self.max_minutes):
            raise ConfigError("--max-rounds and --max-minutes bound a precision target or a race",
                              hint="add --target-ci, e.g. --target-ci 5%, or --race, or use --rounds N alone")
        if self.race and self.target_ci is not None:
            raise ConfigError("--race stops on its own rule, so it takes no --target-ci",
                              hint="--race-tie sets the tie target of a race")
        for flag, value in (("--race-margin", self.race_margin), ("--race-tie", self.race_tie)):
            if not 0 <= value < 1:
                raise ConfigError(f"{flag} must be between 0% and 100%, got {value:.1%}", hint=f"e.g. {flag} 2%")
        if self.max_rounds is not None and self.max_rounds < self.rounds:
            raise ConfigError(f"--max-rounds {self.max_rounds} is below --rounds {self.rounds} (the minimum)")
        if self.max_minutes is not None and not (math.isfinite(self.max_minutes) and self.max_minutes > 0):
            raise ConfigError(f"--max-minutes must be a positive number of minutes, got {self.max_minutes:g}",
                              hint="e.g. --max-minutes 60")


def flag_name(declared) -> str:
    return declared.metadata.get("flag") or declared.name


def default_text(declared) -> Optional[str]:
    """A flag's default as docs and help show it; None for a flag that is off unless given."""
    if declared.metadata.get("shown"):
        return declared.metadata["shown"]
    value = declared.default if declared.default is not MISSING else None
    if value is None or value is False:
        return None
    if declared.metadata["parse"] is parse_percent:
        return f"{value:.0%}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def flag_help() -> Dict[str, str]:
    """invoke's help for each measuring flag, its default included."""
    out = {}
    for declared in fields(Protocol):
        if "help" in declared.metadata:
            default = default_text(declared)
            out[flag_name(declared)] = declared.metadata["help"] + (f" (default {default})" if default else "")
    return out

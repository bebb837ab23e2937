"""One run across several engines: every engine runs the whole interleaved matrix on its own,
as a "part" (an ordinary run, results/runs/<RID>@<engine>/), all parts at once, one thread each.

The parent results/runs/<RID>/run.json lists the engines, their facts, their parts and how
each ended. Comparisons stay inside a part; the report only puts each part's speedups
side by side (docs/engines.md). An engine that stops answering ends its own part; the
others go on, and the run then fails with EnginesLost (exit 6) naming it.
"""

import threading
from pathlib import Path
from typing import Callable, Dict, List, Optional

from ..clock import utc_stamp
from ..records import store
from ..plan.variant import Variant
from ..records.documents import RunRecord
from ..records.formats import COMPLETE, FAILED, INTERRUPTED, RUNNING
from ..errors import EngineUnavailable, EnginesLost, RunError
from ..engine.fleet import Member
from ..log import log
from ..plan.protocol import Protocol
from .rounds import Arm, RunReport, measure

LOST = "lost"


class _Part(threading.Thread):
    def __init__(self, member: Member, run: Callable[..., RunReport], stop: threading.Event):
        super().__init__(name=f"tfopt-{member.name}", daemon=True)
        self.member, self._run, self.stop = member, run, stop
        self.report: Optional[RunReport] = None
        self.status, self.reason = RUNNING, None

    def run(self) -> None:
        try:
            self.report = self._run(self.member, self.stop)
            failed = sorted(self.report.failures)
            self.status = FAILED if failed else COMPLETE
            self.reason = f"variant(s) failed: {', '.join(failed)}" if failed else None
        except EngineUnavailable as exc:
            self.status, self.reason = LOST, exc.args[0]
        except KeyboardInterrupt:
            self.status, self.reason = INTERRUPTED, "interrupted (Ctrl-C or SIGTERM)"
        except BaseException as exc:  # recorded; the main thread reports it
            self.status, self.reason = FAILED, f"{type(exc).__name__}: {exc}"


def measure_everywhere(members: List[Member], arms: List[Arm], protocol: Protocol,
                       plan_variants: Dict[str, Variant], results_dir: Path, run_id: str,
                       kind: str = "profile") -> Dict[str, RunReport]:
    """Each engine's part, concurrently; returns the reports of the parts that ended normally."""

    def run_part(member: Member, stop: threading.Event) -> RunReport:
        with log.prefixed(f"[{member.name}] "):
            return measure(member.engine, arms, protocol, plan_variants, results_dir, kind,
                           run_id=store.part_id(run_id, member.name), engine_facts=member.facts,
                           parent=run_id, stop=stop)

    record = RunRecord(
        run_id=run_id, kind="engines", arms=tuple(a.name for a in arms), protocol=vars(protocol),
        engines=tuple(dict(m.facts, part=store.part_id(run_id, m.name), status=RUNNING, reason=None) for m in members),
        parts={m.name: store.part_id(run_id, m.name) for m in members}, started_at=utc_stamp(), status=RUNNING)
    store.write_run_meta(results_dir, run_id, record.to_doc())
    log.info(f"run {run_id}: {len(members)} engines, each running every round on its own: "
             + ", ".join(f"{m.name} → {store.part_id(run_id, m.name)}" for m in members))
    stop = threading.Event()
    parts = [_Part(m, run_part, stop) for m in members]
    for part in parts:
        part.start()
    try:
        for part in parts:
            while part.is_alive():
                part.join(0.5)
    except KeyboardInterrupt:
        stop.set()
        log.info("stopping: each engine finishes the container it is running, then its part ends")
        for part in parts:
            part.join()
        _record(results_dir, record, parts, INTERRUPTED, "interrupted (Ctrl-C or SIGTERM)")
        raise
    lost = [p for p in parts if p.status == LOST]
    broken = [p for p in parts if p.status not in (COMPLETE, LOST)]
    if lost or broken:
        reason = "; ".join(f"engine {p.member.name}: {p.status}: {p.reason}" for p in lost + broken)
        _record(results_dir, record, parts, FAILED, reason)
    else:
        _record(results_dir, record, parts, COMPLETE, None)
    for p in parts:
        log.info(f"engine {p.member.name}: {p.status}" + (f" ({p.reason})" if p.reason else "")
                 + f" · results: {store.run_dir(results_dir, store.part_id(run_id, p.member.name))}")
    if lost:
        names = ", ".join(f"{p.member.name} ({p.member.target.url or 'local'})" for p in lost)
        raise EnginesLost(f"engine(s) {names} stopped answering during run {run_id}; "
                          f"the other engines' parts finished",
                          hint="results measured so far are kept in each part's folder; the report shows "
                               f"every part: invoke report --run {run_id}")
    crashed = [p for p in parts if p.report is None]
    if crashed:
        raise RunError("; ".join(f"engine {p.member.name}'s part ended: {p.reason}" for p in crashed),
                       hint="the other engines' results are kept in their parts' folders")
    return {p.member.name: p.report for p in parts}


def _record(results_dir: Path, record: RunRecord, parts: List[_Part], status: str, reason: Optional[str]) -> None:
    """The parent's end, with how each engine's part ended."""
    by_name = {p.member.name: p for p in parts}
    engines = tuple(dict(e, status=by_name[e["name"]].status, reason=by_name[e["name"]].reason)
                    for e in record.engines)
    store.write_run_meta(results_dir, record.run_id, record.ended(status, reason, engines=engines).to_doc())

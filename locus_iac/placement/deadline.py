"""One deadline for a whole placement request, and the record of what it cut short.

``place`` sets the deadline when the request starts (monotonic clock); every phase (building
the model, the main HiGHS run, the tie-break run, the heuristic) gets what is left of it
rather than a fixed share of the original limit, so a slow phase on a loaded machine cannot
push the answer past the limit. A phase that cannot start usefully is skipped, and the
reason is kept (``notes``) for the decision: "tie-break skipped: 0.3 s left".

The clock is passed in, so tests can run a solve on a fake clock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

Clock = Callable[[], float]


class Deadline:
    """The end of a time budget on ``clock``; ``notes`` collects what was skipped and why.

    :meth:`share` makes a shorter deadline for one phase that records into the same notes.
    """

    def __init__(
        self,
        seconds: float,
        *,
        clock: Clock = time.monotonic,
        notes: list[str] | None = None,
    ) -> None:
        self.clock = clock
        self.start = clock()
        self.end = self.start + max(seconds, 0.0)
        self.notes: list[str] = [] if notes is None else notes

    def left(self) -> float:
        """Seconds until the deadline (0 once it has passed)."""
        return max(self.end - self.clock(), 0.0)

    def elapsed(self) -> float:
        """Seconds since the deadline was set."""
        return self.clock() - self.start

    def share(self, fraction: float) -> Deadline:
        """A deadline ``fraction`` of the time left from now, with the same clock and notes."""
        return Deadline(self.left() * fraction, clock=self.clock, notes=self.notes)

    def before(self, seconds: float) -> Deadline:
        """A deadline ``seconds`` earlier than this one (time kept for a later step), with the
        same clock and notes."""
        return Deadline(self.left() - seconds, clock=self.clock, notes=self.notes)

    def skip(self, phase: str, reason: str) -> None:
        """Record that ``phase`` did not run, and why."""
        self.note(f"{phase} skipped: {reason}")

    def note(self, text: str) -> None:
        """Record something the caller should know about how the answer was reached."""
        if text not in self.notes:
            self.notes.append(text)
            log.info("placement: %s", text)

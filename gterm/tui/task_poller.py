"""When the task panel asks Transfer for the task list again.

The rule (issue 5): while any task is active, refresh at least every 2 s;
when nothing is active, back off step by step to 30 s or more, so an idle
gterm left open all day costs almost nothing. A submission (or the user
asking) snaps straight back to the fast rate. Pure and clock-free, so the
rule is unit tested on its own; the panel owns the timer.
"""

from __future__ import annotations

from dataclasses import dataclass

ACTIVE_INTERVAL = 1.5  # seconds; under 2 s with room for the request itself
IDLE_FIRST = 4.0
IDLE_MAX = 30.0
IDLE_FACTOR = 2.0


@dataclass(slots=True)
class PollSchedule:
    """Interval to wait before the next refresh, given what the last refresh saw."""

    active_interval: float = ACTIVE_INTERVAL
    idle_first: float = IDLE_FIRST
    idle_max: float = IDLE_MAX
    idle_factor: float = IDLE_FACTOR
    _idle_interval: float | None = None

    def after_refresh(self, any_active: bool) -> float:
        """Record a refresh result and return the delay until the next one."""
        if any_active:
            self._idle_interval = None
            return self.active_interval
        if self._idle_interval is None:
            self._idle_interval = self.idle_first
        else:
            self._idle_interval = min(self.idle_max, self._idle_interval * self.idle_factor)
        return self._idle_interval

    def after_error(self) -> float:
        """A failed refresh waits like an idle one: a broken network should not be hammered."""
        return self.after_refresh(False)

    def reset(self) -> None:
        """Something changed (a submission, a manual refresh): start again from the fast rate."""
        self._idle_interval = None

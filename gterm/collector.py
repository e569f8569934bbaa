"""The cyclic garbage collector, kept out of the way where gterm allocates much and frees little.

Reference counting frees almost everything gterm drops; the cyclic collector
only looks for cycles, and it looks whenever enough objects have been
allocated, over every object the process holds. Two moments allocate a great
deal with nothing for it to find:

* start-up (:func:`paused_until_first_frame`, around ``gterm`` and ``gterm
  demo``): importing Textual, globus-sdk and gterm's UI and building the
  first screen make ~70,000 tracked objects; the collector ran ~150 times over
  them before the first frame (55-65 ms of a 0.5 s start here), and a full
  pass at the first frame finds ~4,900 objects in cycles (0.7 MB, their
  shallow sizes);
* reading a big listing (:func:`gc_paused`): a 100,000-entry answer is a few
  hundred thousand containers, none of them garbage.

The start-up helper process (gterm.globus.head_start), which lives a second
or two to load the SDK and make the start-up listings' calls, keeps it off
throughout.

The start-up pause ends with :func:`end_startup_pause` once the first frame
is drawn: what start-up made is moved to the collector's permanent generation
(``gc.freeze``), so the collector resumes with nothing to catch up on and its
later full passes (after a big listing) no longer walk the UI and the imported
modules. The price: start-up's 0.7 MB of cycles is never freed.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_pausers = 0
_was_enabled = False
_startup_lock = threading.Lock()  # the start-up pause's own: gc_paused takes _lock while it is held
_startup: contextlib.ExitStack | None = None


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector off while this block runs (pauses may overlap, on any thread).

    Reference counting still frees everything as usual; the collector
    resumes (and catches up) when the last overlapping pauser leaves. It is
    only switched back on if it was on when the first pauser arrived.
    """
    global _pausers, _was_enabled
    with _lock:
        _pausers += 1
        if _pausers == 1:
            _was_enabled = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _lock:
            _pausers -= 1
            if _pausers == 0 and _was_enabled:
                gc.enable()


@contextlib.contextmanager
def paused_until_first_frame() -> Iterator[None]:
    """The collector paused (:func:`pause_for_startup`) until the first frame, or the end of this block.

    A block that ends before any first frame (a start that failed) only turns the collector back
    on: nothing is frozen for a process about to end, nor in a test runner's."""
    pause_for_startup()
    try:
        yield
    finally:
        end_startup_pause(freeze=False)


def pause_for_startup() -> None:
    """Pause the collector from here to the first frame (:func:`end_startup_pause`); again while paused: nothing."""
    global _startup
    with _startup_lock:
        if _startup is not None:
            return
        stack = contextlib.ExitStack()
        stack.enter_context(gc_paused())
        _startup = stack


def end_startup_pause(*, freeze: bool = True) -> None:
    """End :func:`pause_for_startup`'s pause, start-up's objects frozen (unless told not to); nothing when
    there is none."""
    global _startup
    with _startup_lock:
        startup, _startup = _startup, None
    if startup is None:
        return
    if freeze:
        gc.freeze()  # before the collector is back on: it resumes with no young generation to walk
    startup.close()

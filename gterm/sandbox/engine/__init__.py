"""The task engine: really copies and deletes files for Transfer tasks.

Shape
-----
``Engine`` (scheduler.py) owns a few worker threads (bounded concurrency) fed
by a queue of task ids, plus a monitor thread that expires queued tasks past
their deadline. Each worker runs one ``TaskRun`` (task_run.py) at a time:

1. plan    -- expand the submitted items into ``task_files`` rows (directories,
              files, destination extras to delete) once, in one transaction
              (planning.py);
2. execute -- walk the pending rows in order, each handled by ``FileMover`` or
              ``Deleter`` (handlers.py); per file: sync-level decision, then
              attempt (copy to a temporary name in the destination directory,
              copying.py, recorded by directory in ``temporaries`` so a start
              after a kill removes it), verify, commit (times, ``os.replace``
              into place);
3. finish  -- SUCCEEDED / FAILED with events and a fatal_error.

Errors and their Globus event codes live in errors.py. Up to four files of a
task are copied at the same time.
"""

from gterm.sandbox.engine.copying import CHUNK, SMALL_FILE, CopyResult, Fault, Throttle, copy_file
from gterm.sandbox.engine.errors import FatalTaskError, FileError, TaskAborted
from gterm.sandbox.engine.scheduler import Engine, PauseCheck
from gterm.sandbox.engine.task_run import TaskRun

__all__ = [
    "CHUNK",
    "SMALL_FILE",
    "CopyResult",
    "Engine",
    "FatalTaskError",
    "Fault",
    "FileError",
    "PauseCheck",
    "TaskAborted",
    "TaskRun",
    "Throttle",
    "copy_file",
]

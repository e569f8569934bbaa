"""Start-up: the UI can be built and drawn before globus-sdk (and what it brings) is imported.

gterm paints its first frame from modules that only name the SDK for types
(gterm.lazy_modules); the SDK loads with the first call to Globus. Likewise
gterm's own screens and services that a key reaches later are imported when
first used (gterm.tui.app says the pattern), so neither importing the app nor
drawing its first frame loads them. These tests run a fresh interpreter, so
what an earlier test imported cannot hide an eager import.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from gterm.lazy_modules import LazyModule

HEAVY = ("globus_sdk", "requests", "jwt", "cryptography", "keyring")

NOT_ON_THE_FIRST_FRAME = (
    # screens pushed by a key
    "gterm.tui.screens.admin_tasks",
    "gterm.tui.screens.collection_info",
    "gterm.tui.screens.collection_picker",
    "gterm.tui.screens.collection_settings",
    "gterm.tui.screens.dir_summary",
    "gterm.tui.screens.groups",
    "gterm.tui.screens.help",
    "gterm.tui.screens.login",
    "gterm.tui.screens.pause_rules",
    "gterm.tui.screens.prompts",
    "gterm.tui.screens.sharing",
    "gterm.tui.screens.sharing_dialogs",
    "gterm.tui.screens.sharing_roles",
    "gterm.tui.screens.task_details",
    "gterm.tui.screens.transfer_dialog",
    "gterm.tui.screens.viewer",
    "gterm.tui.text_pager",
    # the palette's entries, F5's plan and gterm's own tasks, `c`'s comparison
    "gterm.tui.commands",
    "gterm.tui.transfer_plan",
    "gterm.tui.local_transfer",
    "gterm.tui.compare",
    # services the app builds on first use (HTTPS files, settings, `m`, `p`, `g`)
    "gterm.globus.https_access",
    "gterm.globus.local_tasks",
    "gterm.globus.collection_settings",
    "gterm.globus.endpoint_manager",
    "gterm.globus.sharing",
    "gterm.globus.groups",
)

FIRST_FRAME = """
import threading
from gterm.globus.transfer import TransferService
from gterm.tui.app import GtermApp

released = threading.Event()

def no_client():  # the panes' listings wait here: this test is about what the frame loads
    released.wait()
    raise OSError("no service in this test")

class FirstFrameOnly(GtermApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.drawn)

    def drawn(self):
        released.set()
        self.exit()

collection = "11111111-1111-1111-1111-111111111111"
FirstFrameOnly(TransferService(no_client), left=f"{collection}:/a/", right=f"{collection}:/b/").run(
    headless=True, size=(120, 36)
)
"""


def loaded_after(code: str) -> set[str]:
    """Every module a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def modules_loaded_after(code: str) -> set[str]:
    """The top-level packages among HEAVY that a fresh interpreter holds after running ``code``."""
    return {name.split(".")[0] for name in loaded_after(code)} & set(HEAVY)


def test_importing_the_app_loads_no_sdk_http_or_keyring() -> None:
    assert modules_loaded_after("import gterm.tui.app") == set()


def test_importing_the_app_loads_none_of_what_a_key_reaches_later() -> None:
    assert loaded_after("import gterm.tui.app") & set(NOT_ON_THE_FIRST_FRAME) == set()


def test_drawing_the_first_frame_loads_no_sdk_and_none_of_what_a_key_reaches_later() -> None:
    loaded = loaded_after(FIRST_FRAME)
    assert "gterm.tui.screens.main" in loaded  # the frame was drawn by this interpreter
    assert {name.split(".")[0] for name in loaded} & set(HEAVY) == set()
    assert loaded & set(NOT_ON_THE_FIRST_FRAME) == set()


ROBOT_FIRST_FRAME = FIRST_FRAME.replace(
    "FirstFrameOnly(TransferService(no_client), ",
    "import os\n"
    "from gterm.config import GtermConfig\n"
    "from gterm.globus.session import GtermSession\n"
    "os.environ.update(GTERM_CLIENT_ID='robot', GTERM_CLIENT_SECRET='secret')\n"
    "session = GtermSession(GtermConfig.load())\n"
    "assert session.mode == 'client'\n"
    "FirstFrameOnly(TransferService(no_client), session=session, ",
)


def test_a_robots_session_and_first_frame_load_no_sdk_and_no_sharing_or_groups() -> None:
    # `GTERM_CLIENT_ID=… gterm` makes its session before the first frame; a robot's token store is
    # in memory and its clients come later, so nothing of globus-sdk is needed until then. The
    # services behind `p` and `g` are built from the session when first used.
    assert "session=session" in ROBOT_FIRST_FRAME
    loaded = loaded_after(ROBOT_FIRST_FRAME)
    assert "gterm.globus.session" in loaded and "gterm.tui.screens.main" in loaded
    assert {name.split(".")[0] for name in loaded} & set(HEAVY) == set()
    assert loaded & set(NOT_ON_THE_FIRST_FRAME) == set()
    # OpenSSL's hashing (secrets, for a login's state) waits for a login: nothing before the frame needs it.
    assert loaded & {"secrets", "hashlib", "hmac"} == set()


def test_every_deferred_module_exists() -> None:
    # A renamed module would make the assertions above pass for nothing.
    for name in NOT_ON_THE_FIRST_FRAME:
        assert importlib.util.find_spec(name) is not None, name


def test_building_the_services_loads_no_sdk() -> None:
    # What the app holds from its start: services with client factories, not clients.
    code = (
        "from gterm.globus.transfer import TransferService\n"
        "from gterm.globus.endpoint_manager import EndpointManager\n"
        "from gterm.globus.groups import GroupsService\n"
        "def no_client(): raise AssertionError('no client is made at start-up')\n"
        "service = TransferService(no_client)\n"
        "EndpointManager(no_client)\n"
        "GroupsService(no_client)\n"
    )
    assert modules_loaded_after(code) == set()


def test_mapping_a_non_sdk_error_does_not_load_the_sdk() -> None:
    code = (
        "from gterm.globus.error_mapping import map_exception\n"
        "assert map_exception(OSError('disk')) is None\n"
        "assert map_exception(ValueError('x')) is None\n"
    )
    assert modules_loaded_after(code) == set()


def test_sdk_errors_are_still_mapped_once_the_sdk_is_loaded() -> None:
    code = (
        "import globus_sdk, requests\n"
        "from gterm.globus.error_mapping import map_exception\n"
        "from gterm.globus.errors import Offline\n"
        "assert isinstance(map_exception(requests.ConnectionError('down')), Offline)\n"
        "assert map_exception(globus_sdk.GlobusSDKUsageError('bug')) is None\n"
    )
    assert {"globus_sdk", "requests"} <= modules_loaded_after(code)


def test_lazy_module_imports_on_first_attribute_read() -> None:
    lazy = LazyModule("json")
    assert "not loaded yet" in repr(lazy)
    assert lazy.dumps([1]) == json.dumps([1])
    assert "loaded" in repr(lazy) and "not loaded" not in repr(lazy)


def test_lazy_module_reports_a_missing_module_when_used() -> None:
    lazy = LazyModule("gterm_no_such_module")
    with pytest.raises(ModuleNotFoundError):
        _ = lazy.anything

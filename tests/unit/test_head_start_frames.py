"""The head-start helper's pipe (gterm.globus.head_start): frames in, answers out, and what is listed early.

The helper process itself runs against the live sandbox in
tests/session/test_session_head_start.py; here, the frame format and the
choice of start-up locations, which need no network.
"""

from __future__ import annotations

import io

import pytest

from gterm.config import GtermConfig
from gterm.globus.errors import NotFound, PermissionDenied, ServiceError
from gterm.globus.head_start import REFUSALS, FrameWriter, HeadStart, read_frame, startup_locations
from gterm.globus.transfer import ORDER_BY_NAME, listing_order
from tests.support.session_helpers import launch_head_start

LAB = "8f3caffd-c450-42a7-b874-98ce4d4f88b2"
LOCATION = (LAB, "/data/", ORDER_BY_NAME)


def frames_of(data: bytes) -> list[tuple[dict[str, object], bytes]]:
    stream = io.BytesIO(data)
    found = []
    while (frame := read_frame(stream)) is not None:
        found.append(frame)
    return found


def test_frames_carry_a_body_a_refusal_or_no_answer_in_order() -> None:
    out = io.BytesIO()
    writer = FrameWriter(out)
    writer.send("first page", LOCATION, b'{"DATA": []}')
    writer.send("collection", LOCATION, None, NotFound("No such directory: /data/"))
    writer.send("rest", LOCATION, None, ServiceError("Globus is busy", http_status=503))
    frames = frames_of(out.getvalue())
    assert [(header["call"], header["ok"], header["error"], body) for header, body in frames] == [
        ("first page", True, None, b'{"DATA": []}'),
        ("collection", False, ["NotFound", "No such directory: /data/"], b""),
        ("rest", False, None, b""),  # not a refusal the app can take as its own: no answer, it asks itself
    ]
    assert frames[0][0]["location"] == list(LOCATION)


def test_a_body_with_markup_and_controls_arrives_byte_for_byte() -> None:
    body = b'{"DATA": [{"name": "[bold]x\\u009b\\u202e"}]}' + bytes(range(256))
    out = io.BytesIO()
    FrameWriter(out).send("first page", LOCATION, body)
    assert frames_of(out.getvalue())[0][1] == body


@pytest.mark.parametrize("cut", [2, 10, -1])
def test_a_frame_cut_short_is_an_error_not_a_short_answer(cut: int) -> None:
    out = io.BytesIO()
    FrameWriter(out).send("first page", LOCATION, b"x" * 100)
    with pytest.raises(ValueError):
        read_frame(io.BytesIO(out.getvalue()[:cut]))


def test_an_empty_stream_is_the_end() -> None:
    assert read_frame(io.BytesIO(b"")) is None


def test_only_plain_refusals_are_passed_on() -> None:
    assert set(REFUSALS.values()) == {NotFound, PermissionDenied}


def test_startup_locations_are_the_panes_collection_locations_in_their_remembered_order() -> None:
    config = GtermConfig()
    config.last_left, config.last_left_sort = f"{LAB}:/remembered/", "-time"
    config.last_right, config.last_right_sort = "bookmark:Results", "size"
    # --left wins over the remembered left; its remembered sort still applies to the pane
    assert startup_locations(config, f"{LAB}:/given/", None) == [(LAB, "/given/", listing_order("time", True))]
    assert startup_locations(config, None, None) == [(LAB, "/remembered/", listing_order("time", True))]
    # a collection with no path: its default directory, found by the helper as a pane finds it
    assert startup_locations(GtermConfig(), LAB, None) == [(LAB, None, ORDER_BY_NAME)]
    # this computer's files, bad text and bookmarks are not listed early; the same location once
    assert startup_locations(GtermConfig(), "local:/tmp", "not a location") == []
    assert startup_locations(GtermConfig(), f"{LAB}:/a/", f"{LAB}:/a/") == [(LAB, "/a/", ORDER_BY_NAME)]


HELPER_SENDING = """
import sys
from gterm.globus.errors import NotFound
from gterm.globus.head_start import FrameWriter
out = FrameWriter(sys.stdout.buffer)
out.send("first page", ("c", "/a/", "name"), b"body of /a/")
out.send("first page", ("c", "/gone/", "name"), None, NotFound("No such directory: /gone/"))
out.send("first page", ("c", "/busy/", "name"), None)
"""


def test_the_app_takes_each_answer_once_and_what_the_helper_did_not_answer_is_none() -> None:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", HELPER_SENDING], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE)
    answers = HeadStart(process)
    assert answers.answer("first page", "c", "/a/", "name") == b"body of /a/"
    assert answers.answer("first page", "c", "/a/", "name") is None  # taken: a reload asks Globus again
    with pytest.raises(NotFound, match="/gone/"):
        answers.answer("first page", "c", "/gone/", "name")
    assert answers.answer("first page", "c", "/busy/", "name") is None
    assert answers.answer("collection", "c", "/a/", "name") is None  # never sent; the helper has ended
    assert process.wait(10) == 0


def test_an_answer_the_app_forgoes_is_dropped_when_it_comes() -> None:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", HELPER_SENDING], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE)
    answers = HeadStart(process)
    answers.forget("first page", "c", "/a/", "name")  # another location's listing covers it
    assert answers.answer("first page", "c", "/a/", "name") is None  # at once: not kept, not waited for
    assert process.wait(10) == 0


def test_the_helper_never_runs_code_from_the_current_directory(tmp_path, monkeypatch) -> None:
    """`python -m` puts the current directory first on the path; the helper (which holds a token) is run with -P."""
    marker = tmp_path / "ran"
    planted = tmp_path / "work" / "gterm"
    planted.mkdir(parents=True)
    (planted / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("GTERM_DATA_DIR", str(tmp_path / "data"))
    answers = launch_head_start(None, [])  # no location: the real helper starts, finds nothing, ends
    assert answers is not None
    assert answers.answer("first page", "c", "/a/", "name") is None  # returns once the helper has ended
    assert not marker.exists()

"""Pure pieces of the browser: status text, move plans, keymap checks, error wording, completion."""

from __future__ import annotations

import pytest

from gterm.globus.errors import AlreadyExists, InvalidInput, NotFound, SessionExpired
from gterm.globus.models import Entry
from gterm.globus.moves import moved_location, plan_moves, run_moves
from gterm.tui.app import remappable_binding_ids
from gterm.tui.keymap import user_keymap
from gterm.tui.screens.prompts import name_check
from gterm.tui.widgets.path_bar import common_prefix, split_for_completion
from gterm.tui.widgets.status_line import StatusInfo, human_size
from gterm.tui.worker_errors import describe


def entry(name: str, kind: str = "file", size: int = 0) -> Entry:
    return Entry(name=name, type=kind, size=size, last_modified=None)  # type: ignore[arg-type]


def test_status_line_text_matches_the_issue_example():
    info = StatusInfo(total=100_000, shown=100_000, selected=3, selected_size=1_234_567, filter_text="*.csv")
    assert info.render_text() == "100,000 items · 3 selected (1.2 MB) · filter: *.csv · sort: name ▲"
    assert StatusInfo(total=1, shown=1, sort_key="size", sort_reverse=True).render_text() == "1 item · sort: size ▼"
    assert StatusInfo(total=12, shown=9).render_text().startswith("9 of 12 items")


def test_status_line_words_shorten_to_fit_a_narrow_pane():
    """At 80x24 a pane's status line has 36 columns: the first wording that fits (else the shortest, clipped)."""
    info = StatusInfo(total=12, shown=9, selected=1, selected_size=2_000, filter_text="*.csv")
    assert info.render_text(80) == "9 of 12 items · 1 selected (2.0 kB) · filter: *.csv · sort: name ▲"
    assert info.render_text(60) == "9 of 12 items · 1 selected (2.0 kB) · filter: *.csv · name ▲"
    assert info.render_text(40) == "9/12 · 1 sel (2.0 kB) · /*.csv · name ▲"
    # The sort outlasts the selection's size, then the filter (its field says it): with the sidebar open a
    # pane at 80 columns has ~25.
    assert info.render_text(36) == "9/12 · 1 sel · /*.csv · name ▲"
    assert info.render_text(25) == "9/12 · 1 sel · name ▲"
    paging = StatusInfo(total=1_000, shown=1_000, expected=100_000, loading=True)
    assert paging.render_text(24) == "1,000/100,000… · name ▲"
    assert StatusInfo(total=3, shown=3).render_text(5) == "3 · name ▲"  # the shortest: clipped on screen


def test_human_size():
    assert human_size(0) == "0 B"
    assert human_size(999) == "999 B"
    assert human_size(1_500) == "1.5 kB"
    assert human_size(3_145_728) == "3.1 MB"


def test_plan_moves_into_directory_and_rename():
    files = [entry("a.txt"), entry("d", "dir")]
    assert plan_moves("/x/", files, "/y/") == [("/x/a.txt", "/y/a.txt"), ("/x/d/", "/y/d/")]
    assert plan_moves("/x/", files, "sub") == [("/x/a.txt", "/x/sub/a.txt"), ("/x/d/", "/x/sub/d/")]
    assert plan_moves("/x/", [entry("a.txt")], "b.txt") == [("/x/a.txt", "/x/b.txt")]
    assert plan_moves("/x/", [entry("d", "dir")], "/z/e") == [("/x/d/", "/z/e/")]


def test_plan_moves_refuses_nonsense():
    with pytest.raises(InvalidInput):
        plan_moves("/x/", [entry("d", "dir")], "/x/d/inner/")
    with pytest.raises(InvalidInput):
        plan_moves("/x/", [entry("a.txt")], "/x/")
    with pytest.raises(InvalidInput):
        plan_moves("/x/", [entry("a.txt")], "")


class ScriptedRenames:
    """Renames that fail as told (by old path), recording what was asked."""

    def __init__(self, failures: dict[str, Exception]) -> None:
        self.failures = failures
        self.asked: list[str] = []

    def rename(self, collection_id: str, old_path: str, new_path: str) -> None:
        self.asked.append(old_path)
        if old_path in self.failures:
            raise self.failures[old_path]


def test_run_moves_goes_past_a_refused_name_and_stops_for_a_sign_in():
    moves = [(f"/x/{n}", f"/y/{n}") for n in ("a", "b", "c", "d")]
    refused = AlreadyExists("Rename failed: '/y/b' already exists")
    outcome = run_moves(ScriptedRenames({"/x/b": refused}), "c", moves)
    assert outcome.moved == [moves[0], *moves[2:]] and outcome.refused == [("/x/b", "/y/b", refused)]
    assert outcome.stopped is None and outcome.planned == 4
    # A sign-in would stop every later rename too: they are left for the retry after it.
    renames = ScriptedRenames({"/x/b": refused, "/x/c": SessionExpired("sign in again")})
    outcome = run_moves(renames, "c", moves)
    assert renames.asked == ["/x/a", "/x/b", "/x/c"]
    assert isinstance(outcome.stopped, SessionExpired) and outcome.not_tried == moves[2:]
    assert outcome.planned == 4


def test_moved_location_follows_a_directory_moved_under_a_pane():
    moved = [("/x/a.txt", "/y/a.txt"), ("/x/d/", "/y/e/")]
    assert moved_location("/x/d/", moved) == "/y/e/"
    assert moved_location("/x/d/in/deeper/", moved) == "/y/e/in/deeper/"
    assert moved_location("/x/", moved) is None
    assert moved_location("/x/dd/", moved) is None


def test_user_keymap_splits_known_and_unknown_ids():
    ids = remappable_binding_ids()
    known, problems = user_keymap({"delete": "f8, ctrl+d", "typo": "x", "file_list.cursor_down": "j,down"}, ids)
    assert known == {"delete": "f8,ctrl+d", "file_list.cursor_down": "j,down"}
    assert problems == ["unknown binding id typo"]
    assert {"quit", "transfer", "mkdir", "pick_collection", "rename_bookmark"} <= ids
    # Ids of widgets and screens beyond the browser are remappable too.
    assert {"cancel_task", "transfer_submit", "viewer_search", "login.cancel", "summary_close"} <= ids


def test_user_keymap_names_keys_as_textual_does_and_says_which_no_key_is_named():
    """QA: `transfer = "F5"` (as the keyboard prints it) or `mkdir = "ctl+n"` was taken without a word and the
    key never fired: Textual names keys in lower case and takes any string as a key."""
    ids = remappable_binding_ids()
    known, problems = user_keymap({"transfer": "F5, Ctrl+T", "mkdir": "ctl+n, f7", "delete": "f55",
                                   "reverse_sort": "S", "help": "?,F1", "select_glob": "plus"}, ids)
    assert known == {"transfer": "f5,ctrl+t", "mkdir": "f7", "reverse_sort": "S", "help": "?,f1",
                     "select_glob": "plus"}
    assert problems == ["mkdir: no key is named ctl+n", "delete: no key is named f55"]
    # Unicode's aliases name characters too, but Textual never sends them: escape, not esc.
    known, problems = user_keymap({"quit": "esc, del", "help": "escape"}, ids)
    assert known == {"help": "escape"} and problems == ["quit: no key is named esc, del"]


def test_describe_is_one_safe_line():
    assert describe(NotFound("No such directory '/a'")) == "No such directory '/a'"
    assert describe(RuntimeError("boom\nsecond line")) == "unexpected RuntimeError: boom"
    assert "\x1b" not in describe(NotFound("bad \x1b[31m name"))


def test_name_check():
    assert name_check("ok name.txt") is None
    assert name_check("") and name_check("a/b") and name_check("..")


def test_completion_helpers():
    assert split_for_completion("/a/b/na") == ("/a/b/", "na")
    assert split_for_completion("name") == ("", "name")
    assert common_prefix(["run-001", "run-002", "run-010"]) == "run-0"
    assert common_prefix([]) == ""


async def test_a_theme_gterm_does_not_have_is_said_at_start(alice_service, tmp_path):
    """`theme = "nope"` left the default theme without a word, as a keymap typo no longer does."""
    from gterm.config import GtermConfig
    from tests.support.browser_helpers import make_app, notices, wait_for

    config = GtermConfig(theme="nope", state_path=tmp_path / "state.toml")
    app = make_app(alice_service, config=config)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: any("theme = 'nope'" in notice for notice in notices(app)), "the notice")
        said = next(notice for notice in notices(app) if "theme = 'nope'" in notice)
        assert said.startswith("theme = 'nope' is not a theme gterm has; using the default. The themes: ")
        assert "textual-dark" in said and app.theme != "nope"

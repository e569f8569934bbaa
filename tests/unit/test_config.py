"""The settings file (read-only to gterm) and the state file: defaults, env overrides, the TOML writer."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gterm.config import (
    DEFAULT_NATIVE_CLIENT_ID,
    DESTINATION_HISTORY_COLLECTIONS,
    DESTINATION_HISTORY_LIMIT,
    TASK_BYTES_LIMIT,
    AmbiguousSettings,
    ConfigError,
    GtermConfig,
    config_path,
    data_dir,
    dumps_toml,
    state_file_path,
)


def test_defaults_when_there_is_no_file(tmp_path: Path):
    config = GtermConfig.load(tmp_path / "missing.toml", environ={})
    assert config.native_client_id == DEFAULT_NATIVE_CLIENT_ID
    assert config.token_store == "keyring"
    assert config.keymap == {} and config.consent_scopes == []
    assert config.http_timeout < 60 and config.max_retries < 5  # bounded, unlike the SDK defaults
    assert not config.uses_client_credentials


def test_native_client_id_matches_the_sandbox_seed():
    # Duplicated on purpose (layering); this keeps the two literals honest.
    from gterm.sandbox.seed_ids import GTERM_NATIVE_CLIENT_ID

    assert DEFAULT_NATIVE_CLIENT_ID == GTERM_NATIVE_CLIENT_ID


def test_paths_follow_the_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("GTERM_CONFIG", str(tmp_path / "c.toml"))
    monkeypatch.setenv("GTERM_DATA_DIR", str(tmp_path / "d"))
    assert config_path() == tmp_path / "c.toml"
    assert data_dir() == tmp_path / "d"
    monkeypatch.delenv("GTERM_CONFIG")
    assert config_path().name == "config.toml" and "gterm" in str(config_path())


def test_save_writes_only_the_state_file_and_load_reads_it_back(tmp_path: Path):
    path = tmp_path / "sub" / "config.toml"
    path.parent.mkdir()
    written = (
        "# my settings, written by hand\n"
        'token_store = "file"\n'
        "\n"
        "# keys I like\n"
        "[keymap]\n"
        'transfer = "f5,ctrl+t"\n'
    )
    path.write_text(written)
    config = GtermConfig.load(path, environ={})
    assert config.token_store == "file" and config.keymap == {"transfer": "f5,ctrl+t"}
    config.last_left = 'abc:/~/dir with "quotes" \\ and ünïcode/'
    config.consent_scopes = ["urn:x:all[*https://auth.globus.org/scopes/c/data_access]"]
    config.remember_collection("c1")
    config.remember_collection("c2")
    config.remember_collection("c1")
    config.keymap["quit"] = "q"  # changed in memory: still never written
    config.native_client_id = "pinned-by-nobody"
    config.client_id, config.client_secret = "robot", "s3cret-value"
    state = config.save()

    assert path.read_text() == written  # the user's file, byte for byte
    assert state == path.with_name("config.state.toml") and state.parent == path.parent
    text = state.read_text()
    assert "s3cret-value" not in text and "robot" not in text  # env-only values never persist
    saved = tomllib.loads(text)
    assert set(saved) <= {"last_left", "last_right", "recent_collections", "consent_scopes", "theme", "theme_over"}
    again = GtermConfig.load(path, environ={})
    assert again.recent_collections == ["c1", "c2"]
    assert again.last_left == config.last_left and again.consent_scopes == config.consent_scopes
    assert again.keymap == {"transfer": "f5,ctrl+t"} and again.native_client_id == DEFAULT_NATIVE_CLIENT_ID


def test_standard_settings_keep_state_in_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("GTERM_CONFIG", str(tmp_path / "conf" / "config.toml"))
    monkeypatch.setenv("GTERM_DATA_DIR", str(tmp_path / "data"))
    config = GtermConfig.load(environ={})
    config.last_right = "c9:/x/"
    assert config.save() == state_file_path() == tmp_path / "data" / "state.toml"
    assert not (tmp_path / "conf").exists()  # no settings file appears either
    assert GtermConfig.load(environ={}).last_right == "c9:/x/"


def test_state_keys_in_the_settings_file_are_ignored(tmp_path: Path):
    # Older gterm versions dumped their state into the settings file; it no longer counts.
    path = tmp_path / "config.toml"
    path.write_text('last_left = "old:/"\nrecent_collections = ["old"]\nconsent_scopes = ["old"]\n')
    config = GtermConfig.load(path, environ={})
    assert config.last_left is None and config.recent_collections == [] and config.consent_scopes == []


def test_a_damaged_state_file_is_an_empty_state(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.with_name("config.state.toml").write_text("this is = = not toml\n")
    config = GtermConfig.load(path, environ={})
    assert config.last_left is None
    config.last_left = "c:/"
    config.save()
    assert GtermConfig.load(path, environ={}).last_left == "c:/"


def test_a_theme_picked_in_the_app_lasts_until_the_settings_file_changes(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text('theme = "nord"\n')
    config = GtermConfig.load(path, environ={})
    config.theme = "gruvbox"  # what GtermApp.watch_theme does
    config.save()
    assert path.read_text() == 'theme = "nord"\n'
    assert GtermConfig.load(path, environ={}).theme == "gruvbox"
    path.write_text('theme = "dracula"\n')  # the user edits the file later: the file wins
    assert GtermConfig.load(path, environ={}).theme == "dracula"


def test_the_f5_destination_history_is_newest_first_bounded_and_kept_in_the_state_file(tmp_path: Path):
    path = tmp_path / "config.toml"
    config = GtermConfig.load(path, environ={})
    assert config.destinations("lab") == []
    assert config.remember_destination("lab", "/a/") and config.remember_destination("lab", "/b/")
    assert config.remember_destination("lab", "/a/")  # used again: first again, once
    assert not config.remember_destination("lab", "/a/")  # nothing changed: nothing to write
    assert config.destinations("lab") == ["/a/", "/b/"]
    for number in range(DESTINATION_HISTORY_LIMIT + 5):
        config.remember_destination("big", f"/d{number}/ \"quoted\" \x1b[31m/")
    assert len(config.destinations("big")) == DESTINATION_HISTORY_LIMIT
    assert config.destinations("big")[0] == f"/d{DESTINATION_HISTORY_LIMIT + 4}/ \"quoted\" \x1b[31m/"
    config.save()
    assert not path.exists()  # the state file only
    again = GtermConfig.load(path, environ={})
    assert again.destinations("lab") == ["/a/", "/b/"] and again.destinations("big") == config.destinations("big")
    # At most so many collections: the one sent into longest ago goes first.
    for number in range(DESTINATION_HISTORY_COLLECTIONS):
        again.remember_destination(f"c{number}", "/x/")
    assert "lab" not in again.destination_history and "big" not in again.destination_history
    assert len(again.destination_history) == DESTINATION_HISTORY_COLLECTIONS


def test_a_damaged_destination_history_is_passed_over(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.with_name("config.state.toml").write_text(
        'destination_history = "not a table"\n')
    assert GtermConfig.load(path, environ={}).destination_history == {}
    path.with_name("config.state.toml").write_text(
        '[destination_history]\nlab = ["/a/", 3, "/b/"]\nother = "x"\n')
    assert GtermConfig.load(path, environ={}).destination_history == {"lab": ["/a/", "/b/"]}


def test_a_hand_built_config_keeps_state_beside_its_path(tmp_path: Path):
    # What the TUI tests do: GtermConfig() with a temp path must never reach the real data dir.
    config = GtermConfig()
    config.path = tmp_path / "config.toml"
    config.last_left = "c:/a/"
    assert config.save() == tmp_path / "config.state.toml"
    assert not config.path.exists()
    assert GtermConfig.load(config.path, environ={}).last_left == "c:/a/"


def test_env_overrides(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text('native_client_id = "from-file"\ntoken_store = "file"\n')
    env = {
        "GTERM_NATIVE_CLIENT_ID": "from-env",
        "GTERM_CLIENT_ID": "robot",
        "GTERM_CLIENT_SECRET": "secret",
        "GTERM_TOKEN_STORE": "keyring",
    }
    config = GtermConfig.load(path, environ=env)
    assert config.native_client_id == "from-env"
    assert config.token_store == "keyring"
    assert config.uses_client_credentials
    assert "secret" not in repr(config)


@pytest.mark.parametrize(
    "text",
    ['token_store = "plaintext"\n', "keymap = 3\n", "this is not toml\n", 'bell_on_task_end = "yes"\n'],
)
def test_bad_files_raise_config_error_naming_the_file(tmp_path: Path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        GtermConfig.load(path, environ={})
    assert str(path) in str(caught.value)


def test_consent_scopes_are_deduplicated(tmp_path: Path):
    config = GtermConfig.load(tmp_path / "x.toml", environ={})
    assert config.add_consent_scope("s") is True
    assert config.add_consent_scope("s") is False
    assert config.consent_scopes == ["s"]


def test_task_byte_totals_last_in_the_state_file_newest_kept(tmp_path: Path):
    """The task panel's byte totals (Globus reports none) come back after a restart; bounded, newest kept."""
    path = tmp_path / "config.toml"
    config = GtermConfig.load(path, environ={})
    assert config.remember_task_bytes("0f1e2d3c-aaaa-bbbb-cccc-000000000001", 2_097_152) is True
    assert config.remember_task_bytes("0f1e2d3c-aaaa-bbbb-cccc-000000000001", 2_097_152) is False
    assert config.remember_task_bytes("no-total", 0) is False
    config.save()
    again = GtermConfig.load(path, environ={})
    assert again.task_bytes == {"0f1e2d3c-aaaa-bbbb-cccc-000000000001": 2_097_152}
    for n in range(TASK_BYTES_LIMIT + 5):
        again.remember_task_bytes(f"task-{n}", n + 1)
    assert len(again.task_bytes) == TASK_BYTES_LIMIT and list(again.task_bytes)[-1] == f"task-{TASK_BYTES_LIMIT + 4}"
    assert "0f1e2d3c-aaaa-bbbb-cccc-000000000001" not in again.task_bytes  # the oldest went first


def test_task_byte_totals_of_the_wrong_type_are_skipped(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.with_name("config.state.toml").write_text('[task_bytes]\na = 5\nb = "5"\nc = true\nd = -1\ne = 1.5\n')
    assert GtermConfig.load(path, environ={}).task_bytes == {"a": 5}


def test_toml_writer_matches_tomllib():
    data = {
        "s": "tab\there\nnewline \u0001 ctrl",
        "b": False,
        "i": 3,
        "f": 1.5,
        "lst": ["a", "b\"c"],
        "empty": [],
        "table": {"key with space": "v", "plain": "w"},
    }
    assert tomllib.loads(dumps_toml(data)) == data
    with pytest.raises(TypeError):
        dumps_toml({"t": {"nested": {"x": 1}}})


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("http_timeout = -1\n", "http_timeout = -1 is out of range; give a number from 1 to 3600"),
        ("http_timeout = nan\n", "http_timeout = nan is out of range"),
        ("http_timeout = inf\n", "http_timeout = inf is out of range"),
        ("connect_timeout = 0\n", "connect_timeout = 0 is out of range; give a number from 0.1 to 600"),
        ("max_retries = -3\n", "max_retries = -3 is out of range; give a whole number from 0 to 10"),
        ("max_retries = 2.5\n", "max_retries = 2.5 is out of range; give a whole number"),
        ("max_retries = true\n", "max_retries = True is out of range"),
    ],
)
def test_numeric_settings_out_of_range_are_refused_naming_setting_and_range(tmp_path: Path, text: str, said: str):
    """A negative timeout was accepted and made every request fail later with 'unexpected error: ValueError'."""
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        GtermConfig.load(path, environ={})
    assert str(caught.value).startswith(f"{path}: {said}")


def test_numeric_settings_in_range_are_taken(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text("http_timeout = 60\nconnect_timeout = 0.5\nmax_retries = 0\n")
    config = GtermConfig.load(path, environ={})
    assert (config.http_timeout, config.connect_timeout, config.max_retries) == (60.0, 0.5, 0)


def test_a_settings_dir_gterm_may_not_enter_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A config dir without search permission made Path.exists() raise PermissionError: 'unexpected error'.
    (The tests run as root, whom no mode stops, so the refusal the kernel gives is made here.)"""
    locked = tmp_path / "locked"
    path = locked / "config.toml"

    def refuse(original):
        def call(self, *args, **kwargs):
            if locked in Path(self).parents:
                raise PermissionError(13, "Permission denied", str(self))
            return original(self, *args, **kwargs)
        return call

    monkeypatch.setattr(Path, "stat", refuse(Path.stat))
    monkeypatch.setattr(Path, "read_text", refuse(Path.read_text))
    with pytest.raises(ConfigError) as caught:
        GtermConfig.load(path, state_path=tmp_path / "state.toml", environ={})
    assert str(caught.value) == f"cannot read settings file {path}: Permission denied"


def test_every_out_of_range_setting_is_said_at_once(tmp_path: Path):
    """Three bad numbers took three runs to learn: only the first was said."""
    path = tmp_path / "config.toml"
    path.write_text("http_timeout = 0\nconnect_timeout = -1\nmax_retries = 99\n")
    with pytest.raises(ConfigError) as caught:
        GtermConfig.load(path, environ={})
    assert str(caught.value) == (
        f"{path}: http_timeout = 0 is out of range; give a number from 1 to 3600; "
        "connect_timeout = -1 is out of range; give a number from 0.1 to 600; "
        "max_retries = 99 is out of range; give a whole number from 0 to 10."
    )


def test_an_unknown_setting_is_said_and_the_rest_is_read(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    """A typo (`htp_timeout = 5`) was ignored without a word: the default timeout stayed, unsaid."""
    path = tmp_path / "config.toml"
    path.write_text("htp_timeout = 5\nmax_retries = 4\nlast_left = 'c:/old/'\n")  # last_left: an old gterm's
    with caplog.at_level("WARNING", logger="gterm"):
        config = GtermConfig.load(path, environ={})
    assert config.max_retries == 4 and config.http_timeout == 30
    assert [record.getMessage() for record in caplog.records] == [
        f"{path}: unknown setting 'htp_timeout' ignored; did you mean http_timeout? the settings are "
        "native_client_id, token_store, theme, bell_on_task_end, http_timeout, connect_timeout, max_retries, keymap."
    ]


def test_gterm_config_naming_a_missing_file_is_said(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                    monkeypatch: pytest.MonkeyPatch):
    missing = tmp_path / "typo.toml"
    monkeypatch.setenv("GTERM_CONFIG", str(missing))
    with caplog.at_level("WARNING", logger="gterm"):
        config = GtermConfig.load(environ={"GTERM_CONFIG": str(missing)}, state_path=tmp_path / "state.toml")
    assert config.http_timeout == 30
    assert [record.getMessage() for record in caplog.records] == [
        f"GTERM_CONFIG names {missing}, which does not exist; using the default settings."
    ]


@pytest.mark.parametrize(("have", "missing"), [("GTERM_CLIENT_ID", "GTERM_CLIENT_SECRET"),
                                               ("GTERM_CLIENT_SECRET", "GTERM_CLIENT_ID")])
def test_half_a_client_credentials_pair_is_a_usage_error(tmp_path: Path, have: str, missing: str):
    """GTERM_CLIENT_ID without its secret (or the reverse) quietly logged in as a person."""
    with pytest.raises(AmbiguousSettings) as caught:
        GtermConfig.load(tmp_path / "none.toml", environ={have: "x"})
    assert str(caught.value) == (
        f"{have} is set but {missing} is not: set both to run as that client (client credentials), "
        f"or unset {have} to log in as yourself."
    )

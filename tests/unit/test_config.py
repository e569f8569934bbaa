"""The settings file: defaults, env overrides, the tiny TOML writer, atomic save."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gterm.config import (
    DEFAULT_NATIVE_CLIENT_ID,
    ConfigError,
    GtermConfig,
    config_path,
    data_dir,
    dumps_toml,
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


def test_save_and_load_round_trip(tmp_path: Path):
    path = tmp_path / "sub" / "config.toml"
    config = GtermConfig.load(path, environ={})
    config.token_store = "file"
    config.keymap = {"transfer": "f5,ctrl+t", "quit \"now\"": "q"}
    config.theme = "gruvbox"
    config.bell_on_task_end = True
    config.last_left = 'abc:/~/dir with "quotes" \\ and ünïcode/'
    config.consent_scopes = ["urn:x:all[*https://auth.globus.org/scopes/c/data_access]"]
    config.remember_collection("c1")
    config.remember_collection("c2")
    config.remember_collection("c1")
    config.client_id, config.client_secret = "robot", "s3cret-value"
    config.save()

    text = path.read_text()
    assert "s3cret-value" not in text and "robot" not in text  # env-only values never persist
    again = GtermConfig.load(path, environ={})
    assert again.to_mapping() == config.to_mapping()
    assert again.recent_collections == ["c1", "c2"]
    assert tomllib.loads(text)["keymap"]["quit \"now\""] == "q"


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

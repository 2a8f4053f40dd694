from pathlib import Path

import pytest

from app.config import Settings, load_settings
from app.errors import SettingsError


def test_defaults_when_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    s = load_settings()
    assert s == Settings()
    assert s.audio.agent_channel == "left"
    assert s.coach.hold_s == 20.0


def test_file_then_overrides(tmp_path: Path) -> None:
    f = tmp_path / "settings.toml"
    f.write_text('[audio]\nagent_channel = "right"\n[coach]\ncooldown_s = 30\n')
    s = load_settings(f, {"coach.cooldown_s": "45", "asr.beam_size": "3"})
    assert s.audio.agent_channel == "right"
    assert s.coach.cooldown_s == 45.0
    assert s.asr.beam_size == 3


@pytest.mark.parametrize(
    ("text", "overrides", "message"),
    [
        ("[audio]\nagent_channel = 'middle'\n", {}, "agent_channel"),
        ("[coach]\ncooldown = 3\n", {}, "unknown setting 'coach.cooldown'"),
        ("[coach\n", {}, "not valid TOML"),
        ("", {"asr.threads": "two"}, "asr.threads"),
        ("", {"coach.high": "0.2", "coach.elevated": "0.3"}, "elevated <= high"),
        ("", {"coach.words_alone": "1.5"}, "coach.words_alone must be between 0 and 1"),
        ("", {"nope.x": "1"}, "unknown setting 'nope'"),
    ],
)
def test_bad_settings_name_the_problem(
    tmp_path: Path, text: str, overrides: dict, message: str
) -> None:
    f = tmp_path / "settings.toml"
    f.write_text(text)
    with pytest.raises(SettingsError, match=message):
        load_settings(f, overrides)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_default_settings_file_round_trips(tmp_path: Path) -> None:
    from app.config import default_settings_toml

    f = tmp_path / "settings.toml"
    f.write_text(default_settings_toml())
    assert load_settings(f) == Settings()


def test_words_alone_comes_from_the_fusion_unless_a_site_sets_it() -> None:
    from app.coaching.thresholds import resolve_thresholds
    from app.config import CoachSettings
    from app.scoring.fusion import load_fusion

    shipped = load_fusion().words_alone
    assert shipped is not None and 0.5 < shipped < 1.0
    assert resolve_thresholds().words_alone == shipped
    assert resolve_thresholds(CoachSettings(words_alone=0.95)).words_alone == 0.95
    assert resolve_thresholds(CoachSettings(words_alone=0.95)).to_report()["words_alone"] == 0.95

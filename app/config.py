"""Typed settings: defaults, a TOML file in the platform config dir, command-line overrides.

Precedence: defaults < settings file < command-line overrides. Unknown keys and values of the
wrong type are reported as a `SettingsError` naming the key, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_config_dir, user_data_dir

from app.errors import SettingsError

APP_NAME = "callcoach"


@dataclass
class AudioSettings:
    agent_channel: Literal["left", "right"] = "left"
    block_s: float = 0.1  # audio read or captured at a time: small blocks, cards sooner
    agent_device: str = ""  # live capture: device name or id ("" = system default)
    customer_device: str = ""  # live: a monitor/loopback source, or the same stereo device
    stereo_device: str = ""  # live: one device carrying agent and customer on two channels


@dataclass
class VadSettings:
    threshold: float = 0.5
    neg_threshold: float = 0.35
    min_speech_s: float = 0.25
    min_silence_s: float = 0.5  # silence that ends an utterance (the end-of-turn delay)
    speech_pad_s: float = 0.1
    max_utterance_s: float = 15.0  # longer turns are cut so cards never wait on a monologue


@dataclass
class AsrSettings:
    model: str = ""  # a CTranslate2 Whisper folder; "" = the bundled tiny.en
    compute_type: str = "int8"
    threads: int = 2
    beam_size: int = 1
    language: str = "en"
    # the encoder window for one utterance: at least this long, and the utterance + 5 s of
    # silence; 30 = always Whisper's full window (slower, no more accurate here)
    min_context_s: float = 10.0


@dataclass
class ScoringSettings:
    threads: int = 1
    # tone and words are fused by a logistic regression fitted on data (models/fusion), not by
    # weights set here


@dataclass
class CoachSettings:
    playbook: str = ""  # path to a user playbook TOML; "" = the shipped one
    scorecard: str = ""  # path to a site's scorecard TOML; "" = the shipped one
    cooldown_s: float = 60.0
    hold_s: float = 20.0  # silence on a frustrated call before "update them"
    # customer frustration that counts as elevated / high; unset = the words model's thresholds
    # chosen on GoEmotions dev data (models/words/thresholds.json)
    elevated: float | None = None
    high: float | None = None
    steep_rise: float = 0.25  # rise of the smoothed level over the last few utterances
    # calibrated tone at which the voice alone (calm words) makes a turn high without a second
    # upset turn; unset = the fusion's value chosen on held-out data (models/fusion/fusion.json)
    voice_alone: float | None = None
    # words score at which the words alone (a calm voice) make a turn high without a second upset
    # turn; unset = the fusion's value chosen on held-out calm service turns (fusion.json)
    words_alone: float | None = None


@dataclass
class PrivacySettings:
    store_audio: bool = False
    redact_pii: bool = True
    # what the session store keeps of a call: "full" (utterances, prompts, evidence, all
    # redacted) or "summary" (the call's summary, metrics and scorecard counts: no text at all)
    mode: Literal["full", "summary"] = "full"


@dataclass
class StoreSettings:
    """The session store (app/store): every analysed or live call, in one SQLite file."""

    enabled: bool = True
    path: str = ""  # the SQLite file; "" = calls.sqlite3 in the platform data dir
    retention_days: int = 0  # older calls are deleted with their audio and peaks; 0 = keep


@dataclass
class Settings:
    audio: AudioSettings = field(default_factory=AudioSettings)
    vad: VadSettings = field(default_factory=VadSettings)
    asr: AsrSettings = field(default_factory=AsrSettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    coach: CoachSettings = field(default_factory=CoachSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    store: StoreSettings = field(default_factory=StoreSettings)


def default_settings_path() -> Path:
    return Path(user_config_dir(APP_NAME)) / "settings.toml"


def data_dir() -> Path:
    return Path(user_data_dir(APP_NAME))


def _coerce(value: Any, target: Any, key: str) -> Any:
    """Convert a TOML or command-line value to the field's declared type."""
    origin = typing.get_origin(target)
    if origin is Literal:
        allowed = typing.get_args(target)
        if value not in allowed:
            raise SettingsError(f"setting {key}: {value!r} is not one of {', '.join(allowed)}")
        return value
    if origin in (types.UnionType, typing.Union):
        target = next(a for a in typing.get_args(target) if a is not type(None))
    try:
        if target is bool:
            if isinstance(value, str):
                low = value.strip().lower()
                if low in ("1", "true", "yes", "on"):
                    return True
                if low in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
            if not isinstance(value, bool):
                raise ValueError(value)
            return value
        if target is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value)  # int(inf) and int(nan) raise, reported below
        if target is float:
            if isinstance(value, bool):
                raise ValueError(value)
            number = float(value)
            if not math.isfinite(number):  # TOML and float() both accept nan and inf
                raise SettingsError(f"setting {key}: {value!r} is not a finite number")
            return number
        if target is str:
            return str(value)
    except (TypeError, ValueError, OverflowError):
        raise SettingsError(
            f"setting {key}: {value!r} is not a valid {getattr(target, '__name__', target)}"
        ) from None
    return value


def _apply(obj: Any, data: dict[str, Any], prefix: str = "") -> None:
    hints = typing.get_type_hints(type(obj))
    names = {f.name for f in dataclasses.fields(obj)}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in names:
            raise SettingsError(f"unknown setting {dotted!r}")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise SettingsError(f"setting {dotted!r} must be a table")
            _apply(current, value, dotted + ".")
        else:
            setattr(obj, key, _coerce(value, hints[key], dotted))


def load_settings(path: Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Defaults, then the TOML file (if it exists), then dotted overrides like
    ``{"asr.model": "/models/small.en"}``."""
    settings = Settings()
    file = path if path is not None else default_settings_path()
    if file.is_dir():
        raise SettingsError(f"settings file {file} is a folder, not a TOML file")
    if file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"settings file {file} is not valid TOML: {exc}") from None
        except OSError as exc:
            raise SettingsError(f"cannot read settings file {file}: {exc.strerror}") from None
        _apply(settings, data)
    elif path is not None:
        raise SettingsError(f"settings file {file} does not exist")
    for dotted, value in (overrides or {}).items():
        *parents, leaf = dotted.split(".")
        nested: dict[str, Any] = {leaf: value}
        for parent in reversed(parents):
            nested = {parent: nested}
        _apply(settings, nested)
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    """Range checks that types alone cannot express."""
    checks = [
        (0.05 <= settings.audio.block_s <= 5, "audio.block_s must be between 0.05 and 5"),
        (0 < settings.vad.threshold < 1, "vad.threshold must be between 0 and 1"),
        (
            0 < settings.vad.neg_threshold <= settings.vad.threshold,
            "vad.neg_threshold must be above 0 and not above vad.threshold",
        ),
        (settings.vad.min_silence_s >= 0.1, "vad.min_silence_s must be at least 0.1"),
        (settings.vad.max_utterance_s >= 2, "vad.max_utterance_s must be at least 2"),
        (settings.asr.threads >= 1, "asr.threads must be at least 1"),
        (settings.asr.beam_size >= 1, "asr.beam_size must be at least 1"),
        (5 <= settings.asr.min_context_s <= 30, "asr.min_context_s must be between 5 and 30"),
        (settings.scoring.threads >= 1, "scoring.threads must be at least 1"),
        (
            _thresholds_ok(settings.coach),
            "coach.elevated and coach.high must satisfy 0 <= elevated <= high <= 1",
        ),
        (settings.coach.cooldown_s >= 0, "coach.cooldown_s must not be negative"),
        (settings.coach.hold_s > 0, "coach.hold_s must be positive"),
        # numeric settings a site is most likely to mistype (bad-input review, issue 16)
        (settings.vad.min_speech_s >= 0, "vad.min_speech_s must not be negative"),
        (0 <= settings.vad.speech_pad_s <= 1, "vad.speech_pad_s must be between 0 and 1"),
        (settings.vad.min_silence_s <= 10, "vad.min_silence_s must be at most 10"),
        (settings.vad.max_utterance_s <= 120, "vad.max_utterance_s must be at most 120"),
        (settings.asr.threads <= 256, "asr.threads must be at most 256"),
        (settings.asr.beam_size <= 32, "asr.beam_size must be at most 32"),
        (settings.scoring.threads <= 256, "scoring.threads must be at most 256"),
        (0 < settings.coach.steep_rise <= 1, "coach.steep_rise must be above 0 and at most 1"),
        (
            settings.coach.voice_alone is None or 0 <= settings.coach.voice_alone <= 1,
            "coach.voice_alone must be between 0 and 1",
        ),
        (
            settings.coach.words_alone is None or 0 <= settings.coach.words_alone <= 1,
            "coach.words_alone must be between 0 and 1",
        ),
        (settings.store.retention_days >= 0, "store.retention_days must not be negative"),
    ]
    for ok, message in checks:
        if not ok:
            raise SettingsError(message)


def _thresholds_ok(coach: CoachSettings) -> bool:
    low = 0.0 if coach.elevated is None else coach.elevated
    high = 1.0 if coach.high is None else coach.high
    return 0 <= low <= high <= 1


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    return dataclasses.asdict(settings)


def default_settings_toml() -> str:
    """The defaults as a commented TOML file (unset values are left out, with a note)."""
    import tomli_w

    data = settings_to_dict(Settings())
    unset = [
        f"{section}.{key}"
        for section, values in data.items()
        for key, v in values.items()
        if v is None
    ]
    clean = {s: {k: v for k, v in values.items() if v is not None} for s, values in data.items()}
    header = "# callcoach settings: edit and restart. Defaults shown; see the README.\n"
    if unset:
        header += "# Unset (chosen by the shipped models): " + ", ".join(unset) + "\n"
    return header + "\n" + tomli_w.dumps(clean)

"""Errors that reach the user as one clear line (details go to the log)."""


class CallcoachError(Exception):
    """Base class: the message is written for the user."""


class AudioReadError(CallcoachError):
    """A call recording could not be opened or decoded."""


class ModelError(CallcoachError):
    """A shipped or configured model is missing, corrupt or does not match its checksum."""


class SettingsError(CallcoachError):
    """The settings file or a command-line override is invalid."""


class PlaybookError(CallcoachError):
    """The playbook file is invalid."""


class DeviceError(CallcoachError):
    """An audio device is missing, busy or was unplugged."""


def one_line(message: object) -> str:
    """A message as the single line the user sees: line breaks (from a file name, a TOML key or
    a library's message) are shown escaped instead of splitting it."""
    return str(message).replace("\r", "\\r").replace("\n", "\\n")


class ScorecardError(CallcoachError):
    """The scorecard file is invalid."""

"""What a batch analyses: the calls named on the command line and the audio files found in the
folders named there (recursively), and the report name each call gets.

Nothing is dropped silently: every file a folder holds is either a call or listed as skipped
(`Inputs.not_audio`), and a folder that cannot be read is listed too (`Inputs.unreadable`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# File endings taken from a folder: the recording formats FFmpeg (the reader) decodes that call
# recorders and telephony systems write. A file named on the command line is always tried,
# whatever its ending; only a folder's contents are filtered by it.
AUDIO_EXTENSIONS = frozenset(
    {
        ".wav",
        ".wave",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".spx",
        ".mp3",
        ".mp2",
        ".m4a",
        ".mp4",
        ".aac",
        ".3gp",
        ".amr",
        ".wma",
        ".aif",
        ".aiff",
        ".aifc",
        ".au",
        ".snd",
        ".caf",
        ".gsm",
        ".mka",
        ".webm",
        ".w64",
    }
)

# names the batch itself writes into --out: a call named like one of them gets a suffixed name
RESERVED_NAMES = frozenset({"batch_summary", ".batch_summary", "batch_manifest"})


@dataclass(frozen=True, slots=True)
class CallInput:
    path: Path  # absolute, resolved: the identity of the call in the manifest
    shown: str  # the path as the user gave it or as found under a given folder (for messages)


@dataclass
class Inputs:
    calls: list[CallInput] = field(default_factory=list)
    not_audio: list[str] = field(default_factory=list)  # files in folders that are not audio
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    missing: list[tuple[str, str]] = field(default_factory=list)  # named files that don't exist
    ignored_out_dir: str | None = None  # the --out folder, when it lies inside an input folder


def collect_inputs(args: Sequence[Path], out_dir: Path | None = None) -> Inputs:
    """Files as given, folders walked recursively (sorted, symlinked folders followed once);
    the same file reached twice is one call."""
    found = Inputs()
    seen: set[Path] = set()
    out_real = out_dir.resolve() if out_dir is not None else None

    def add(path: Path, shown: str) -> None:
        real = path.resolve()
        if real not in seen:
            seen.add(real)
            found.calls.append(CallInput(real, shown))

    for arg in args:
        if arg.is_dir():
            _walk(arg, add, found, out_real)
        elif arg.exists():
            add(arg, str(arg))
        else:
            found.missing.append((str(arg), f"{arg}: no such file"))
    return found


def _walk(
    root: Path, add: Callable[[Path, str], None], found: Inputs, out_real: Path | None
) -> None:
    visited: set[tuple[int, int]] = set()

    def onerror(exc: OSError) -> None:
        where = exc.filename or str(root)
        found.unreadable.append((str(where), f"{where}: cannot read the folder: {exc.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=True):
        here = Path(dirpath)
        try:
            st = here.stat()
        except OSError as exc:
            onerror(exc)
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in visited:  # a symlink loop or a folder linked twice
            dirnames[:] = []
            continue
        visited.add((st.st_dev, st.st_ino))
        if out_real is not None and here.resolve() == out_real:
            found.ignored_out_dir = str(here)  # our own reports are not input
            dirnames[:] = []
            continue
        dirnames.sort()
        for name in sorted(filenames):
            path = here / name
            if path.suffix.lower() in AUDIO_EXTENSIONS and path.is_file():
                add(path, str(path))
            else:
                found.not_audio.append(str(path))


def report_names(
    calls: Iterable[CallInput], taken: Mapping[str, Path] | None = None
) -> dict[Path, str]:
    """The report name (without extension) of each call in --out.

    The rule, stable across runs into the same folder: a call keeps the name it was given
    before (`taken`: name -> source path, from the folder's manifest). Otherwise a call whose
    stem is unique — among this run's calls and the names already used in the folder, compared
    case-insensitively (two names differing only in case are one file on macOS and Windows) —
    is reported as `<stem>`; calls sharing a stem are each reported as `<stem>-<8 hex>`, the
    hex being the start of the sha256 of the call's absolute path (longer if it ever clashed).
    """
    taken = dict(taken or {})
    owner = {path: name for name, path in taken.items()}
    used = {name.casefold() for name in taken}
    calls = list(calls)
    stems: dict[str, int] = {}
    for call in calls:
        if call.path not in owner:
            key = call.path.stem.casefold()
            stems[key] = stems.get(key, 0) + 1
    names: dict[Path, str] = {}
    for call in calls:
        name = owner.get(call.path)
        if name is None:
            stem = call.path.stem
            key = stem.casefold()
            if stems[key] == 1 and key not in used and key not in RESERVED_NAMES:
                name = stem
            else:
                name = _suffixed(stem, call.path, used)
            used.add(name.casefold())
        names[call.path] = name
    return names


def _suffixed(stem: str, path: Path, used: set[str]) -> str:
    digest = hashlib.sha256(str(path).encode("utf-8", "surrogateescape")).hexdigest()
    for length in range(8, len(digest) + 1, 4):
        name = f"{stem}-{digest[:length]}"
        if name.casefold() not in used and name.casefold() not in RESERVED_NAMES:
            return name
    raise AssertionError(f"no free report name for {path}")  # 2**256 paths: cannot happen

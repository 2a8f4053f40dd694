"""The `callcoach` command line. Never imports Qt; the overlay is loaded only when shown."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app import __version__
from app.cli.preflight import positive_finite, positive_int
from app.errors import CallcoachError, one_line

log = logging.getLogger("callcoach")
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on standard error (exit code 2)."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, help="settings TOML (default: the platform config dir)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one setting, e.g. --set coach.cooldown_s=30 (repeatable)",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")


def _call_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--agent-channel", choices=["left", "right"], help="stereo: the agent's channel"
    )
    parser.add_argument(
        "--model", help="a CTranslate2 Whisper model folder (default: bundled tiny.en)"
    )
    parser.add_argument("--playbook", help="a playbook TOML to use instead of the shipped one")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="callcoach",
        description="On-device call coaching: transcribe both sides, track customer frustration, "
        "suggest what to say.",
    )
    parser.add_argument("--version", action="version", version=f"callcoach {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "analyze",
        help="analyse recorded calls (files or folders) and write one JSON report per call",
        epilog="Folders are searched recursively for audio files; other files are listed as "
        "skipped. A call already analysed into --out (same audio, same settings, models and "
        "playbook) is skipped unless --force, so an interrupted batch goes on where it stopped.",
    )
    p.add_argument("calls", nargs="+", type=Path, metavar="CALL_OR_DIR")
    p.add_argument("--out", type=Path, required=True, help="folder for the reports")
    p.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="analyse N calls at once in worker processes (default 1; with --ray: one per "
        "free CPU of the cluster)",
    )
    p.add_argument(
        "--force", action="store_true", help="analyse again calls already analysed into --out"
    )
    p.add_argument(
        "--ray",
        metavar="auto|local|ADDRESS",
        help="run each call as a Ray task: auto = the running cluster, local = a Ray of our "
        "own on this machine, or a cluster address (needs callcoach[ray])",
    )
    p.add_argument(
        "--agents",
        type=Path,
        metavar="CSV",
        help="which agent took each call: rows `file,agent` (file name, stem or path)",
    )
    p.add_argument(
        "--agent-pattern",
        metavar="REGEX",
        help="the agent from each file name, e.g. '^(?P<agent>[^_]+)_' for alice_0412.wav",
    )
    _call_options(p)
    _common(p)

    p = sub.add_parser("score-text", help="words score per line of standard input")
    _common(p)

    p = sub.add_parser(
        "score-tone",
        help="tone score of each audio clip",
        epilog="Each --baseline takes exactly one clip and may repeat: "
        "`--baseline A --baseline B X Y` scores X and Y against the baseline A+B.",
    )
    p.add_argument("files", nargs="*", type=Path, metavar="FILE")
    p.add_argument(
        "--baseline",
        type=Path,
        default=[],
        action="append",
        metavar="FILE",
        help="one clip of the same speaker talking calmly (repeat for more clips)",
    )
    _common(p)

    p = sub.add_parser("live", help="coach a live call (or a recording replayed as if live)")
    p.add_argument("--simulate", type=Path, metavar="CALL", help="replay this recording live")
    p.add_argument(
        "--speed", type=positive_finite, default=1.0, help="replay speed (with --simulate)"
    )
    p.add_argument(
        "--lossless",
        action="store_true",
        help="with --simulate: wait for the analysis instead of dropping audio when the "
        "computer falls behind (the replay then runs at most --speed times real time)",
    )
    p.add_argument("--headless", action="store_true", help="no window: print or log events")
    p.add_argument("--events", type=Path, metavar="OUT.jsonl", help="write every UI event here")
    p.add_argument("--out", type=Path, help="also write the call's JSON report to this folder")
    _call_options(p)
    _common(p)

    p = sub.add_parser("devices", help="list audio input devices with ids and channel counts")
    _common(p)

    p = sub.add_parser("demo", help="run the bundled demo call and write its report")
    p.add_argument("--out", type=Path, default=Path("callcoach-demo"), help="report folder")
    p.add_argument("--no-overlay", action="store_true", help="print prompts only")
    p.add_argument(
        "--call",
        choices=("escalation", "resolved"),
        default="escalation",
        help="which bundled call: escalation (default) or resolved (a call handled well)",
    )
    _call_options(p)
    _common(p)

    p = sub.add_parser("review", help="open the QA review window on recordings and/or JSON reports")
    p.add_argument(
        "calls",
        nargs="*",
        type=Path,
        metavar="CALL",
        help="recordings (analysed on open), JSON reports or stored call ids",
    )
    _call_options(p)
    _common(p)

    p = sub.add_parser(
        "report",
        help="render an existing JSON report as HTML and/or CSV",
        description="Render a call's JSON report (from analyze, demo or live --out) as a "
        "self-contained HTML page and/or a CSV of its utterances. With neither option, writes "
        "the HTML next to the JSON (REPORT.html).",
    )
    p.add_argument("report", type=Path, metavar="REPORT.json")
    p.add_argument("--html", type=Path, metavar="OUT.html", help="write the HTML report here")
    p.add_argument("--csv", type=Path, metavar="OUT.csv", help="write the utterances CSV here")
    _common(p)

    p = sub.add_parser(
        "purge", help="delete every stored call and its audio (the call store, see README)"
    )
    p.add_argument("--yes", action="store_true", help="delete without asking")
    _common(p)

    p = sub.add_parser("selftest", help="check this installation: models, audio, Qt, offline")
    p.add_argument("--qt-probe", action="store_true", help=argparse.SUPPRESS)
    _common(p)
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CallcoachError(f"--set needs KEY=VALUE, got {item!r}")
        overrides[key.strip()] = value.strip()
    if getattr(args, "agent_channel", None):
        overrides["audio.agent_channel"] = args.agent_channel
    if getattr(args, "model", None):
        overrides["asr.model"] = args.model
    if getattr(args, "playbook", None):
        overrides["coach.playbook"] = args.playbook
    return overrides


# commands whose positional file list may continue after an option (`X --baseline A Y`)
_FILE_LISTS = {"analyze": "calls", "score-tone": "files", "review": "calls"}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    target = _FILE_LISTS.get(args.command)
    if extra and target and not any(e.startswith("-") for e in extra):
        getattr(args, target).extend(Path(e) for e in extra)
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    from app.cli.commands import run_command
    from app.config import load_settings

    try:
        settings = load_settings(args.config, _overrides(args))
        if args.command == "selftest":
            from app.cli.selftest import run_selftest

            return run_selftest(args, settings)
        return run_command(args, settings)
    except CallcoachError as exc:
        print(f"callcoach: {one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("callcoach: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of standard output went away (`callcoach score-text | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        # a write failing part-way (disk full, a folder removed under us): one line, no traceback
        log.debug("I/O error", exc_info=True)
        where = f" {exc.filename}" if exc.filename else ""
        print(
            one_line(f"callcoach: cannot write or read{where}: {exc.strerror or exc}"),
            file=sys.stderr,
        )
        return 1
    except Exception as exc:
        # a bug, not bad input: one line for the user, the traceback with -v
        log.info("internal error", exc_info=True)
        print(
            one_line(f"callcoach: internal error: {type(exc).__name__}: {exc} (-v for details)"),
            file=sys.stderr,
        )
        return 1

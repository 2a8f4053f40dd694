"""Fuzzing the playbook parser (hypothesis): random TOML documents, random values put into the
shipped playbook, random text and bytes give either a playbook or one clear PlaybookError,
never another exception. Bounded by the profile in tests/conftest.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import math
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import example, given
from hypothesis import strategies as st

from app.coaching.playbook import (
    GROUPS,
    Playbook,
    default_playbook_text,
    load_playbook,
    parse_playbook,
)
from app.coaching.triggers import TRIGGERS
from app.errors import PlaybookError

SHIPPED: dict[str, Any] = tomllib.loads(default_playbook_text())
KEYS = sorted(
    {k for p in SHIPPED["prompt"] for k in p}
    | {"phrases", "prompt", "version", "cooldown_s", "min_frustration", "window"}
    | {name for trigger in TRIGGERS.values() for name in trigger.params}
)
_counter = itertools.count()

scalars = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(sorted(TRIGGERS) + sorted(GROUPS) + list(SHIPPED["phrases"])),
    st.sampled_from(["re:(", "re:[a-", "re:*", "re:(?P<x", "re:\\", "re:a{99999999999}"]),
    st.dates(),
    st.datetimes(max_value=dt.datetime(9000, 1, 1)),
    st.times(),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=12))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(keys, inner, max_size=5),
    ),
    max_leaves=25,
)
documents = st.dictionaries(keys, values, max_size=6)


@pytest.fixture(scope="module")
def folder() -> Path:
    with tempfile.TemporaryDirectory(prefix="callcoach-fuzz-") as name:
        yield Path(name)


def parse_or_reject(data: dict[str, Any]) -> Playbook | None:
    try:
        playbook = parse_playbook(data, "fuzzed playbook")
    except PlaybookError as exc:
        assert str(exc)  # the CLI shows it as one line (app.errors.one_line)
        return None
    check_accepted(playbook)
    return playbook


def check_accepted(playbook: Playbook) -> None:
    """What the loader lets through is usable: every number the coach times cards by is finite
    and in range (a `nan` cooldown used to switch the card's cooldown off)."""
    assert playbook.prompts
    for spec in playbook.prompts:
        assert spec.cooldown_s is None or 0.0 <= spec.cooldown_s < math.inf, spec
        assert 0.0 <= spec.min_frustration <= 1.0, spec
        assert all(0.0 <= v < math.inf for v in spec.params.values()), spec
        assert set(spec.params) <= set(TRIGGERS[spec.trigger].params), spec


def load_or_reject(path: Path) -> Playbook | None:
    try:
        playbook = load_playbook(path)
    except PlaybookError as exc:
        assert str(exc)
        return None
    check_accepted(playbook)
    return playbook


def test_the_shipped_playbook_parses() -> None:
    assert parse_or_reject(copy.deepcopy(SHIPPED)) is not None


@given(doc=documents)
def test_random_documents(doc: dict[str, Any]) -> None:
    parse_or_reject(doc)


@given(doc=documents)
def test_random_documents_through_a_file(folder: Path, doc: dict[str, Any]) -> None:
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):
        return  # not representable as TOML (e.g. a list mixing tables and values)
    path = folder / f"pb{next(_counter)}.toml"
    path.write_text(text, encoding="utf-8")
    load_or_reject(path)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """The shipped playbook with a few values replaced, keys removed or keys added."""
    doc = copy.deepcopy(SHIPPED)
    for _ in range(draw(st.integers(1, 4))):
        # any table still in the document: the top, [phrases], a [[prompt]]
        tables: list[dict[str, Any]] = [doc]
        if isinstance(doc.get("phrases"), dict):
            tables.append(doc["phrases"])
        if isinstance(doc.get("prompt"), list):
            tables += [p for p in doc["prompt"] if isinstance(p, dict)]
        target = draw(st.sampled_from(tables))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        existing = sorted(target)
        if action == "add" or not existing:
            target[draw(keys)] = draw(values)
        elif action == "delete":
            del target[draw(st.sampled_from(existing))]
        else:
            target[draw(st.sampled_from(existing))] = draw(values)
    return doc


def _with(key: str, value: Any, index: int = 0) -> dict[str, Any]:
    doc = copy.deepcopy(SHIPPED)
    doc["prompt"][index][key] = value
    return doc


_SILENCE = next(i for i, p in enumerate(SHIPPED["prompt"]) if p["trigger"] == "long_silence")


@given(doc=mutated())
# the values the fuzzing found accepted (the loader now refuses them; check_accepted proves it)
@example(doc=_with("cooldown_s", math.nan))
@example(doc=_with("cooldown_s", -5))
@example(doc=_with("min_frustration", math.nan))
@example(doc=_with("hold_s", math.inf, _SILENCE))
@example(doc=_with("hold_s", math.nan, _SILENCE))
def test_mutations_of_the_shipped_playbook(doc: dict[str, Any]) -> None:
    parse_or_reject(doc)


@given(
    text=st.one_of(
        st.text(max_size=400),
        st.sampled_from(["[[prompt]]\nid = ", "x = [", "[phrases\n", 'a = "\\u00"', "\x00"]).map(
            lambda s: default_playbook_text() + "\n" + s
        ),
    )
)
def test_random_text(folder: Path, text: str) -> None:
    path = folder / f"pb{next(_counter)}.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    load_or_reject(path)


@given(data=st.binary(max_size=400))
def test_random_bytes(folder: Path, data: bytes) -> None:
    path = folder / f"pb{next(_counter)}.toml"
    path.write_bytes(data)
    load_or_reject(path)


def test_a_playbook_path_that_is_a_folder(folder: Path) -> None:
    with pytest.raises(PlaybookError):
        load_playbook(folder)

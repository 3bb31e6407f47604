"""A static check that a rule's regular expression runs in about linear time.

Python's ``re`` backtracks, so some patterns take time that grows much faster than the text:

* **nested quantifiers** such as ``(a+)+``, ``(\\w+\\s?)*`` or ``(a|ab)+``: a repeat whose body can
  match the same text in several ways can take *exponential* time on a text that almost matches;
* **re-scanning repeats** such as ``\\bhate\\b.*\\bthem\\b`` or ``kill\\w*x``: an unbounded repeat
  followed by more pattern re-reads the rest of the text from every place the pattern could
  start, which is *quadratic* (0.1-0.4 s on 8,192 characters of ``"hate hate ..."``).

:func:`pattern_cost_problem` finds both shapes in the parsed pattern (``re._parser``; Python 3.11+)
and says what it found; :class:`~regretlab.moderation.experts.Rule` refuses such patterns. It is
conservative: a few patterns that are in fact linear are refused too; bounding the repeat
(``.{0,200}``), anchoring the pattern (``^``, with ``(?m)`` per line) or an atomic group
``(?>...)`` makes them acceptable.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser as _p  # type: ignore[attr-defined]

# a repeat whose upper bound is at most this many is treated as bounded (its re-scans cost O(bound))
BOUNDED_REPEAT = 256

# characters that stand for every class a pattern can name (ASCII, some Latin-1, some others)
_SAMPLE = tuple(chr(i) for i in range(128)) + tuple("\u00a0\u00e9\u00df\u0130\u0131\u2028\u4e2d\ufb01")
_ALL = frozenset(_SAMPLE)
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)
_CATEGORIES = {
    _c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_NOT_DIGIT: r"\D", _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S", _c.CATEGORY_WORD: r"\w", _c.CATEGORY_NOT_WORD: r"\W",
}
_CLASS_FLAGS = re.IGNORECASE | re.DOTALL | re.ASCII

NESTED = ("has a nested quantifier (a repeated part that can itself match the same text in more than "
          "one way, like (a+)+ or (a|ab)*), which can take exponential time on some texts; "
          "rewrite it without the inner repeat or alternatives, e.g. (ab)+ or [ab]+")
RESCAN = ("has an unbounded repeat (*, + or {n,}) followed by more pattern that re-reads the text from "
          "every place the pattern could start (like a.*b), which takes time quadratic in the text "
          f"length; bound it (e.g. .{{0,200}} instead of .*; bounds up to {BOUNDED_REPEAT} are accepted) "
          "or anchor the pattern at the start of the text with ^")


def _hashable(av: Any) -> Any:
    if isinstance(av, list):
        return tuple(_hashable(x) for x in av)
    if isinstance(av, tuple):
        return tuple(_hashable(x) for x in av)
    return av


def _esc(code: int) -> str:
    return re.escape(chr(code))


@lru_cache(maxsize=4096)
def _atom_chars(op: Any, av: Any, flags: int) -> frozenset[str]:
    """The sample characters one single-character item (literal, class, ``.``) matches."""
    if op is _c.LITERAL:
        src = _esc(av)
    elif op is _c.NOT_LITERAL:
        src = f"[^{_esc(av)}]"
    elif op is _c.ANY:
        src = "."
    elif op is _c.IN:
        parts: list[str] = []
        for kind, value in av:
            if kind is _c.NEGATE:
                parts.insert(0, "^")
            elif kind is _c.LITERAL:
                parts.append(_esc(value))
            elif kind is _c.RANGE:
                parts.append(f"{_esc(value[0])}-{_esc(value[1])}")
            elif kind is _c.CATEGORY:
                parts.append(_CATEGORIES.get(value, r"\s\S"))
            else:
                return _ALL
        src = "[" + "".join(parts) + "]"
    else:
        return _ALL
    rx = re.compile(src, flags & _CLASS_FLAGS)
    return frozenset(ch for ch in _SAMPLE if rx.fullmatch(ch))


def _flags_in(av: Any, flags: int) -> int:
    _group, add, delete, _sub = av
    return (flags | add) & ~delete


def _chars(items: Any, flags: int) -> frozenset[str]:
    """Every sample character any consuming part of ``items`` can match (lookarounds excluded)."""
    out: set[str] = set()
    for op, av in items:
        if op in (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN):
            out |= _atom_chars(op, _hashable(av), flags)
        elif op is _c.SUBPATTERN:
            out |= _chars(av[3], _flags_in(av, flags))
        elif op is _c.ATOMIC_GROUP:
            out |= _chars(av, flags)
        elif op in _REPEATS:
            out |= _chars(av[2], flags)
        elif op is _c.BRANCH:
            for branch in av[1]:
                out |= _chars(branch, flags)
        elif op in (_c.GROUPREF, _c.GROUPREF_IGNORE, _c.GROUPREF_EXISTS):
            return _ALL
    return frozenset(out)


def _first(items: Any, flags: int) -> tuple[frozenset[str], bool]:
    """``(characters a match of items can start with, whether items can match the empty string)``."""
    out: set[str] = set()
    for op, av in items:
        if op in (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN):
            return frozenset(out | _atom_chars(op, _hashable(av), flags)), False
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue
        if op is _c.SUBPATTERN or op is _c.ATOMIC_GROUP:
            sub, f = (av[3], _flags_in(av, flags)) if op is _c.SUBPATTERN else (av, flags)
            chars, nullable = _first(sub, f)
        elif op in _REPEATS:
            chars, nullable = _first(av[2], flags)
            nullable = nullable or av[0] == 0
        elif op is _c.BRANCH:
            firsts = [_first(b, flags) for b in av[1]]
            chars = frozenset().union(*(f for f, _ in firsts))
            nullable = any(n for _, n in firsts)
        else:  # back-references and the like: anything
            return _ALL, True
        out |= chars
        if not nullable:
            return frozenset(out), False
    return frozenset(out), True


def _can_fail(op: Any, av: Any, flags: int) -> bool:
    """Whether this item can fail to match where it is tried (so that whatever precedes it backtracks)."""
    if op is _c.AT:
        if av in (_c.AT_BOUNDARY, _c.AT_NON_BOUNDARY):
            return False  # after a greedy run of word / non-word characters it holds; an approximation
        if av is _c.AT_END and flags & re.MULTILINE:
            return False  # $ per line after a greedy run that stops at a newline
        return True
    if op is _c.SUBPATTERN:
        return any(_can_fail(o, a, _flags_in(av, flags)) for o, a in av[3])
    if op is _c.ATOMIC_GROUP:
        return any(_can_fail(o, a, flags) for o, a in av)
    if op in _REPEATS:
        return av[0] > 0 and any(_can_fail(o, a, flags) for o, a in av[2])
    if op is _c.BRANCH:
        return all(any(_can_fail(o, a, flags) for o, a in b) for b in av[1])
    return True


def _nested(items: Any, flags: int, in_repeat: bool) -> bool:
    """A variable-length repeat or ambiguous alternatives inside something repeated."""
    for op, av in items:
        if op in _REPEATS:
            lo, hi, body = av
            if in_repeat and lo != hi:
                return True
            if _nested(body, flags, in_repeat or hi > 1):
                return True
        elif op is _c.SUBPATTERN:
            if _nested(av[3], _flags_in(av, flags), in_repeat):
                return True
        elif op is _c.ATOMIC_GROUP:
            if _nested(av, flags, False):
                return True
        elif op is _c.BRANCH:
            branches = av[1]
            if in_repeat:
                seen: set[str] = set()
                for b in branches:
                    first, nullable = _first(b, flags)
                    if nullable or seen & first:
                        return True
                    seen |= first
            if any(_nested(b, flags, in_repeat) for b in branches):
                return True
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            if _nested(av[1], flags, in_repeat):
                return True
        elif op is _c.GROUPREF_EXISTS:
            if any(sub is not None and _nested(sub, flags, in_repeat) for sub in av[1:]):
                return True
    return False


def _rescans(items: Any, flags: int, overlap: set[str], after_fails: bool) -> bool:
    """An unbounded repeat, followed by something that can fail, whose characters can also start a
    new attempt (``overlap``: the characters of the pattern's starts and of earlier backtrackable
    unbounded repeats). ``overlap`` grows with the repeats met, as backtracking can re-enter them."""
    items = list(items)
    for i, (op, av) in enumerate(items):
        rest_fails = after_fails or any(_can_fail(o, a, flags) for o, a in items[i + 1:])
        if op in _REPEATS:
            lo, hi, body = av
            unbounded = hi > BOUNDED_REPEAT
            body_chars = _chars(body, flags)
            if unbounded and rest_fails and body_chars & overlap:
                return True
            inner = set(overlap)
            if _rescans(body, flags, inner, rest_fails or hi > 1):
                return True
            if op is not _c.POSSESSIVE_REPEAT:
                overlap |= inner
                if unbounded and lo != hi:
                    overlap |= body_chars
        elif op is _c.SUBPATTERN:
            if _rescans(av[3], _flags_in(av, flags), overlap, rest_fails):
                return True
        elif op is _c.ATOMIC_GROUP:
            if _rescans(av, flags, set(overlap), rest_fails):  # nothing inside is re-entered later
                return True
        elif op is _c.BRANCH:
            grown = set(overlap)
            for b in av[1]:
                mine = set(overlap)
                if _rescans(b, flags, mine, rest_fails):
                    return True
                grown |= mine
            overlap |= grown
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            if _rescans(av[1], flags, set(overlap), rest_fails):
                return True
        elif op is _c.GROUPREF_EXISTS:
            for sub in av[1:]:
                if sub is not None and _rescans(sub, flags, set(overlap), rest_fails):
                    return True
    return False


def _starts(items: Any, flags: int) -> set[str]:
    """Characters a run must contain to reach into the next place a search can start a match."""
    if items and items[0][0] is _c.AT:
        where = items[0][1]
        if where is _c.AT_BEGINNING_STRING or (where is _c.AT_BEGINNING and not flags & re.MULTILINE):
            return set()  # one start only
        if where is _c.AT_BEGINNING:
            return {"\n"}  # a start per line: runs that do not cross a newline never overlap
    return set(_first(items, flags)[0])


def pattern_cost_problem(pattern: str, flags: int = 0) -> str | None:
    """What makes ``pattern`` (compiled with ``flags``) slow on long texts, or None when nothing does.

    Args:
        pattern: a regular expression that compiles.
        flags: the ``re`` flags it is compiled with (``re.IGNORECASE`` widens the classes).
    """
    parsed = _p.parse(pattern, flags)
    items = list(parsed)
    flags = parsed.state.flags
    if _nested(items, flags, False):
        return NESTED
    if _rescans(items, flags, _starts(items, flags), False):
        return RESCAN
    return None

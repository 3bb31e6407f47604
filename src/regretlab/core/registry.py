"""Name -> factory registries for learners, environments and experiments.

``@register("hedge", family="experts", test_params=[{...}])`` records a factory together with the
parameter sets the conformance suite runs it with (scikit-learn/river style).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable


@dataclass(frozen=True)
class Entry:
    """One registered factory."""

    name: str
    factory: Callable[..., Any]
    family: str
    test_params: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    summary: str = ""
    # the run-time facts the factory declares it takes, filled in by the driver when a learner is
    # made by name: "horizon" (T) and "reward_range" (the setting's utility range)
    tunes: tuple[str, ...] = ()


class Registry:
    """A named collection of factories with helpful lookup errors."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def add(
        self,
        name: str,
        factory: Callable[..., Any],
        *,
        family: str = "",
        test_params: list[dict[str, Any]] | None = None,
        tunes: tuple[str, ...] = (),
    ) -> None:
        if name in self._entries and not _same_definition(self._entries[name].factory, factory):
            old = self._entries[name].factory
            raise ValueError(f"{self.kind} {name!r} is already registered by "
                             f"{_where(old)}; {_where(factory)} cannot take the same name")
        bad = sorted(set(tunes) - set(RUN_FACTS))
        if bad:
            raise ValueError(f"{self.kind} {name!r}: tunes takes {', '.join(RUN_FACTS)}, got {', '.join(bad)}")
        doc = (factory.__doc__ or "").strip().splitlines()
        self._entries[name] = Entry(
            name, factory, family, tuple(test_params or ({},)), doc[0] if doc else "", tuple(tunes)
        )

    def get(self, name: str) -> Entry:
        _load_builtins()
        try:
            return self._entries[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._entries), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            known = ", ".join(sorted(self._entries))
            raise ValueError(f"unknown {self.kind} {name!r}{hint} (known: {known})") from None

    def make(self, name: str, **params: Any) -> Any:
        return self.get(name).factory(**params)

    def names(self, family: str | None = None) -> list[str]:
        _load_builtins()
        return sorted(n for n, e in self._entries.items() if family is None or e.family == family)

    def entries(self, family: str | None = None) -> list[Entry]:
        return [self._entries[n] for n in self.names(family)]

    def __contains__(self, name: str) -> bool:
        _load_builtins()
        return name in self._entries


RUN_FACTS = ("horizon", "reward_range")  # what a factory may declare in ``tunes``

learners = Registry("learner")
environments = Registry("environment")


def register(
    name: str, *, family: str, test_params: list[dict[str, Any]] | None = None, tunes: tuple[str, ...] = ()
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering a learner factory under ``name``.

    Args:
        name: the registry name (``regretlab run experts --algo NAME``).
        family: the learner family whose conformance suite runs it (``experts``, ``bandits`` ...).
        test_params: parameter sets the conformance suite makes it with (default: ``[{}]``).
        tunes: run-time facts the factory takes and the driver fills in when the learner is made
            by name: ``"horizon"`` (the number of rounds, unless a rate ``lr`` is given) and
            ``"reward_range"`` (the setting's utility range).
    """

    def deco(factory: Callable[..., Any]) -> Callable[..., Any]:
        learners.add(name, factory, family=family, test_params=test_params, tunes=tunes)
        return factory

    return deco


def register_env(
    name: str, *, family: str = "losses", test_params: list[dict[str, Any]] | None = None,
    tunes: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering an environment factory under ``name`` (``tunes`` as for :func:`register`)."""

    def deco(factory: Callable[..., Any]) -> Callable[..., Any]:
        environments.add(name, factory, family=family, test_params=test_params, tunes=tunes)
        return factory

    return deco


def _where(factory: Callable[..., Any]) -> str:
    return f"{getattr(factory, '__module__', '?')}.{getattr(factory, '__qualname__', repr(factory))}"


def _same_definition(a: Callable[..., Any], b: Callable[..., Any]) -> bool:
    """Whether two factories are one definition imported twice (same file and qualified name).

    A module imported a second time (``pytest --doctest-modules``, ``importlib.reload``, a module
    run as a script) re-executes its decorators with new function objects; that is harmless.
    """
    if a is b:
        return True
    code_a, code_b = getattr(a, "__code__", None), getattr(b, "__code__", None)
    same_file = code_a is not None and code_b is not None and code_a.co_filename == code_b.co_filename
    return same_file and getattr(a, "__qualname__", None) == getattr(b, "__qualname__", None)


# Discovery: every module of the package (outside core/) whose source registers something with
# ``@register(...)`` / ``@register_env(...)`` is imported on the first lookup, so a new learner is
# one new file in its family folder and needs no edit anywhere else. The source is scanned as
# text first, so modules that register nothing (and their heavy imports) are never loaded. A
# module whose optional third-party dependency is missing is skipped (its learners need that
# extra); any other import error is raised, never hidden.
_MARK = re.compile(r"^[ \t]*@?register(?:_env)?\(\s*[\"']", re.M)
_loaded = False
skipped: dict[str, str] = {}  # module -> why it was not loaded (a missing optional extra)


def registering_modules() -> list[str]:
    """Dotted names of the modules (outside ``regretlab.core``) that register learners or environments."""
    import regretlab

    root = Path(regretlab.__file__).parent
    names = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in ("core", "experiments") or "tests" in rel.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if _MARK.search(text):
            parts = rel.with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join(("regretlab", *parts)))
    return names


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib

    for mod in registering_modules():
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name is None or exc.name.split(".")[0] == "regretlab":
                raise
            skipped[mod] = f"needs {exc.name!r} (an optional extra)"

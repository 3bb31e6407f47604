"""The moderation service's TOML config: which experts, which ensemble, which limits.

Example (``experts.toml``)::

    [service]
    port = 8765
    database = "moderation.sqlite"      # relative to this file
    max_text_chars = 8192
    token_env = "MODERATION_TOKEN"       # optional: require "Authorization: Bearer $MODERATION_TOKEN"

    [ensemble]
    algorithm = "hedge"                  # or "fixed_share"
    loss = "absolute"                    # absolute | square | log | zero_one
    threshold = 0.5
    categories = ["violence", "self_harm"]   # optional: category-aware (sleeping) weights

    [[experts]]
    name = "rules"
    kind = "keywords"

    [[experts]]
    name = "minilm"
    kind = "embedding_logistic"
    train = "builtin"
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regretlab.core.errors import check_int, check_positive, check_probability
from regretlab.moderation.aggregation import LOSSES

ALGORITHMS = ("hedge", "fixed_share")


def prefixed(exc: BaseException, prefix: str) -> BaseException:
    """``exc`` again, its message after ``prefix`` (where it happened), as the plain built-in type the
    command line reports in one line; other exceptions are returned unchanged."""
    for kind in (FileNotFoundError, ImportError, TypeError, ValueError):
        if isinstance(exc, kind):
            return kind(f"{prefix}{exc}")
    return exc


@dataclass(frozen=True)
class EnsembleConfig:
    """How the experts are combined (see :mod:`regretlab.moderation.aggregation`).

    Attributes:
        algorithm: ``hedge`` (EWA) or ``fixed_share``.
        loss: ``absolute``, ``square``, ``log`` or ``zero_one``.
        lr: fixed learning rate; hedge without it uses the anytime rate ``sqrt(8 ln N / t)``
            (absolute / 0-1) or the exp-concave rate (square 1/2, log 1); fixed_share without
            it uses the exp-concave rate or 0.5.
        alpha: Fixed-Share's share rate.
        threshold: decision threshold on the ensemble probability.
        categories: names of the harm categories with their own (sleeping) weights.
    """

    algorithm: str = "hedge"
    loss: str = "absolute"
    lr: float | None = None
    alpha: float = 0.001
    threshold: float = 0.5
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"ensemble.algorithm must be one of {', '.join(ALGORITHMS)}, got {self.algorithm!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"ensemble.loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        if self.lr is not None:
            check_positive("ensemble.lr", self.lr)
        check_probability("ensemble.alpha", self.alpha, open_right=True)
        check_probability("ensemble.threshold", self.threshold)
        for c in self.categories:
            if not isinstance(c, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", c):
                raise ValueError(f"ensemble.categories: each must be 1-64 letters, digits, '_', '.' or '-', got {c!r}")
        if len(set(self.categories)) != len(self.categories):
            raise ValueError(f"ensemble.categories has duplicates: {list(self.categories)}")


@dataclass(frozen=True)
class ServiceConfig:
    """The whole service config.

    Attributes:
        experts: the expert tables (``name``, ``kind`` and kind-specific keys).
        ensemble: :class:`EnsembleConfig`.
        database: SQLite file holding the state (weights, items, feedback).
        port: TCP port on 127.0.0.1.
        max_text_chars: the declared text size limit (larger texts get 413).
        token_env: name of the environment variable holding the bearer token (None: no token).
        base_dir: directory relative paths are resolved against.
        source: the config file it was read from (named in the errors found later), if any.
    """

    experts: tuple[dict[str, Any], ...]
    ensemble: EnsembleConfig = field(default_factory=EnsembleConfig)
    database: Path = Path("moderation.sqlite")
    port: int = 8765
    max_text_chars: int = 8192
    token_env: str | None = None
    base_dir: Path = Path(".")
    source: Path | None = None

    def __post_init__(self) -> None:
        if not self.experts:
            raise ValueError("experts: the config must name at least one [[experts]] table")
        names = [e.get("name") for e in self.experts]
        if len(set(names)) != len(names):
            raise ValueError(f"experts: names must be unique, got {names}")
        check_int("service.port", self.port, minimum=0)
        if self.port > 65535:
            raise ValueError(f"service.port must be <= 65535, got {self.port}")
        check_int("service.max_text_chars", self.max_text_chars)
        if self.token_env is not None and (not isinstance(self.token_env, str) or not self.token_env):
            raise ValueError(f"service.token_env must name an environment variable, got {self.token_env!r}")

    def where(self) -> str:
        """``"config file <path>: "`` when the config came from a file, else ``""`` (an error prefix)."""
        return f"config file {self.source}: " if self.source is not None else ""

    def token(self) -> str | None:
        """The bearer token from the environment (None when no token is configured)."""
        if self.token_env is None:
            return None
        value = os.environ.get(self.token_env, "")
        if not value:
            raise ValueError(f"{self.where()}service.token_env names {self.token_env!r} but that environment variable is empty or unset")
        return value


def parse_config(data: dict[str, Any], base_dir: Path = Path("."), source: Path | None = None) -> ServiceConfig:
    """A :class:`ServiceConfig` from parsed TOML, with clear errors for unknown keys."""
    unknown = sorted(set(data) - {"service", "ensemble", "experts"})
    if unknown:
        raise ValueError(f"unknown config section(s) {', '.join(unknown)}; expected service, ensemble, experts")
    for section in ("service", "ensemble"):
        if not isinstance(data.get(section, {}), dict):
            raise ValueError(f"{section} must be a table ([{section}] with key = value lines), got {data[section]!r}")
    svc = dict(data.get("service", {}))
    ens = dict(data.get("ensemble", {}))
    svc_keys = {"database", "port", "max_text_chars", "token_env"}
    ens_keys = {"algorithm", "loss", "lr", "alpha", "threshold", "categories"}
    for section, got, known in (("service", svc, svc_keys), ("ensemble", ens, ens_keys)):
        bad = sorted(set(got) - known)
        if bad:
            raise ValueError(f"[{section}]: unknown key(s) {', '.join(bad)}; expected {', '.join(sorted(known))}")
    experts = data.get("experts")
    if not isinstance(experts, list):
        raise ValueError("experts: the config must have one or more [[experts]] tables")
    for i, e in enumerate(experts):
        if not isinstance(e, dict):
            raise ValueError(f"experts[{i}] must be a table ([[experts]] with name, kind, ...), got {e!r}")
    if "categories" in ens:
        if not isinstance(ens["categories"], list):
            raise ValueError(f"ensemble.categories must be a list of names, got {ens['categories']!r}")
        ens["categories"] = tuple(ens["categories"])
    database = svc.pop("database", "moderation.sqlite")
    if not isinstance(database, str) or not database:
        raise ValueError(f"service.database must be a file name, got {database!r}")
    database = Path(database)
    if not database.is_absolute():
        database = base_dir / database
    return ServiceConfig(
        experts=tuple(dict(e) for e in experts),
        ensemble=EnsembleConfig(**ens),
        database=database,
        base_dir=base_dir,
        source=source,
        **svc,
    )


def load_config(path: str | Path) -> ServiceConfig:
    """Read and check a TOML config file; every error names the file as given."""
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"config file {str(path)!r} is a directory; expected a TOML file")
    if not p.is_file():
        raise FileNotFoundError(f"config file {str(path)!r} does not exist")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"config file {path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"config file {path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at {exc.start}); expected TOML") from None
    except OSError as exc:
        raise ValueError(f"config file {path} cannot be read: {exc.strerror or exc}") from None
    try:
        return parse_config(data, p.resolve().parent, source=Path(path))
    except (ValueError, TypeError) as exc:
        raise prefixed(exc, f"config file {path}: ") from None

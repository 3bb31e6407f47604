"""Preference data in the usual ``prompt`` / ``chosen`` / ``rejected`` format (JSONL or HF datasets).

Pure Python; no torch. Used by the trainer both to read offline pairs and to write the pairs it
builds each iteration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

__all__ = ["PreferenceExample", "check_example", "load_jsonl", "save_jsonl", "load_prompts", "load_hf"]


@dataclass(frozen=True)
class PreferenceExample:
    """One preference pair: ``chosen`` is preferred to ``rejected`` as an answer to ``prompt``."""

    prompt: str
    chosen: str
    rejected: str


def check_example(row: object, where: str = "example") -> PreferenceExample:
    """Validate a mapping/example with non-empty string ``prompt``, ``chosen``, ``rejected``."""
    if isinstance(row, PreferenceExample):
        data = {"prompt": row.prompt, "chosen": row.chosen, "rejected": row.rejected}
    elif isinstance(row, dict):
        data = row
    else:
        raise TypeError(f"{where} must be a dict with prompt/chosen/rejected, got {type(row).__name__}")
    for key in ("prompt", "chosen", "rejected"):
        if key not in data:
            raise ValueError(f"{where} has no {key!r} field (expected prompt, chosen, rejected)")
        if not isinstance(data[key], str):
            raise TypeError(f"{where}[{key!r}] must be a string, got {type(data[key]).__name__}")
    for key in ("chosen", "rejected"):
        if not data[key].strip():
            raise ValueError(f"{where}[{key!r}] is an empty response; every pair needs two non-empty responses")
    return PreferenceExample(data["prompt"], data["chosen"], data["rejected"])


def load_jsonl(path: str | Path) -> list[PreferenceExample]:
    """Read ``{"prompt", "chosen", "rejected"}`` objects, one per line (blank lines skipped)."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"path {str(p)!r} does not exist")
    out = []
    try:
        with p.open(encoding="utf-8") as fh:
            for i, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{p.name} line {i} is not valid JSON: {exc.msg}") from None
                out.append(check_example(row, f"{p.name} line {i}"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{p.name} is not UTF-8 text: byte {exc.object[exc.start]:#04x} at offset {exc.start}") from None
    return out


def save_jsonl(examples: Iterable[PreferenceExample], path: str | Path) -> Path:
    """Write examples as JSONL; returns the path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding="utf-8") as fh:
        for ex in examples:
            fh.write(json.dumps({"prompt": ex.prompt, "chosen": ex.chosen, "rejected": ex.rejected}) + "\n")
    return p


def load_prompts(path: str | Path) -> list[str]:
    """Prompts from a JSONL file (objects with a ``prompt`` field) or a text file (one per line)."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"path {str(p)!r} does not exist")
    prompts = []
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{p.name} is not UTF-8 text: byte {exc.object[exc.start]:#04x} at offset {exc.start}") from None
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if p.suffix == ".jsonl":
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{p.name} line {i} is not valid JSON: {exc.msg} at column {exc.colno}") from None
            if not isinstance(row, dict) or not isinstance(row.get("prompt"), str):
                raise ValueError(f"{p.name} line {i} must be an object with a string 'prompt'")
            prompts.append(row["prompt"])
        else:
            prompts.append(line)
    return prompts


def load_hf(name_or_path: str, split: str = "train") -> list[PreferenceExample]:
    """Load a Hugging Face ``datasets`` dataset (local path or cache only) with prompt/chosen/rejected columns.

    Chat-formatted columns (lists of ``{"role", "content"}``) keep the last message's content.
    """
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("load_hf needs the 'datasets' package (pip install datasets)") from exc
    ds = datasets.load_dataset(name_or_path, split=split)

    def text(v: object) -> object:
        if isinstance(v, list) and v and isinstance(v[-1], dict) and "content" in v[-1]:
            return v[-1]["content"]
        return v

    return [check_example({k: text(row[k]) for k in ("prompt", "chosen", "rejected")}, f"{name_or_path}[{i}]")
            for i, row in enumerate(ds)]

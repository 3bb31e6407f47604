"""Preference data in the TRL / Hugging Face ``prompt`` / ``chosen`` / ``rejected`` format.

Pure Python (Parquet through pyarrow); no torch. Used by the trainer both to read offline pairs and
to write the pairs it builds each iteration.

Two row layouts are read (TRL's "preference" dataset types): *standard*, with strings
``{"prompt": str, "chosen": str, "rejected": str}``, and *conversational*, with lists of
``{"role", "content"}`` messages ``{"prompt": [user...], "chosen": [assistant...], "rejected": [...]}``;
a conversational row may leave the prompt implicit (``chosen`` and ``rejected`` are whole
conversations that share the prompt as their common first messages). Files: ``.json`` (an array of
rows, or JSON lines), ``.jsonl`` and ``.parquet``; :func:`save_preferences` writes either layout back.
With the optional ``datasets`` package, :func:`load_hf` reads a ``datasets.Dataset`` (or anything
``datasets.load_dataset`` loads) and :func:`to_hf_dataset` builds one.

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> path = save_preferences([PreferenceExample("2+2?", "4", "5")], d / "p.jsonl", conversational=True)
    >>> read_rows(path)[0]["chosen"]
    [{'role': 'assistant', 'content': '4'}]
    >>> load_preferences(path)
    [PreferenceExample(prompt='2+2?', chosen='4', rejected='5')]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

__all__ = ["PreferenceExample", "check_example", "load_jsonl", "save_jsonl", "load_prompts", "load_hf", "to_hf_dataset",
           "read_rows", "rows_to_examples", "load_preferences", "to_rows", "save_preferences", "render_messages"]

SUFFIXES = (".json", ".jsonl", ".parquet")


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
            if not isinstance(row, dict) or not isinstance(row.get("prompt"), (str, list)):
                raise ValueError(f"{p.name} line {i} must be an object with a string 'prompt'")
            prompts.append(row["prompt"] if isinstance(row["prompt"], str)
                           else render_messages(_messages(row["prompt"], f"{p.name} line {i}['prompt']")))
        else:
            prompts.append(line)
    if not prompts:
        raise ValueError(f"{p.name} has no prompts (expected one per line, or JSONL objects with a 'prompt' field)")
    return prompts


def _datasets():
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("this needs the optional 'datasets' package ([llm] extra: pip install datasets)") from exc
    return datasets


def load_hf(source: object, split: str = "train", data_files: object = None,
            render: Callable[[list[dict]], str] | None = None, **load_kwargs: object) -> list[PreferenceExample]:
    """Preference pairs from the Hugging Face ``datasets`` library (prompt/chosen/rejected columns).

    Standard or conversational rows, as :func:`rows_to_examples` reads them (a response is the trailing
    assistant messages).

    Args:
        source: a ``datasets.Dataset`` (or a ``DatasetDict``: ``split`` picks the split), or a name for
            ``datasets.load_dataset``: a builder such as ``"json"`` / ``"parquet"`` with ``data_files``, or a
            local dataset folder (a hub name downloads unless ``HF_DATASETS_OFFLINE=1``).
        split: the split to read.  data_files: local file(s) for a builder name.
        render: messages -> prompt text (see :func:`rows_to_examples`).
        load_kwargs: more ``load_dataset`` arguments (``cache_dir=...``).
    Returns:
        The examples; errors name the source and the row.

    Example:
        >>> import datasets  # doctest: +SKIP
        >>> load_hf(datasets.Dataset.from_list([{"prompt": "2+2?", "chosen": "4", "rejected": "5"}]))  # doctest: +SKIP
        [PreferenceExample(prompt='2+2?', chosen='4', rejected='5')]
    """
    if isinstance(source, (str, Path)):
        datasets = _datasets()
        kwargs = dict(load_kwargs)
        if data_files is not None:
            kwargs["data_files"] = [str(f) for f in data_files] if isinstance(data_files, (list, tuple)) \
                else str(data_files)
        ds = datasets.load_dataset(str(source), split=split, **kwargs)
        where = f"{Path(str(data_files)).name if isinstance(data_files, (str, Path)) else source} row"
    else:
        ds, where = source, "dataset row"
        if isinstance(ds, dict):  # DatasetDict
            if split not in ds:
                raise ValueError(f"split {split!r} is not in the dataset; it has {', '.join(map(repr, ds))}")
            ds, where = ds[split], f"dataset[{split!r}] row"
        if not hasattr(ds, "__iter__") or isinstance(ds, (bytes, str)):
            raise TypeError(f"source must be a datasets.Dataset, a DatasetDict or a load_dataset name, got "
                            f"{type(source).__name__}")
    return rows_to_examples((dict(row) for row in ds), where, render)


def to_hf_dataset(examples: Iterable[PreferenceExample], conversational: bool = False) -> object:
    """Examples as a ``datasets.Dataset`` in TRL's standard or conversational layout (see :func:`to_rows`).

    ``ds.to_json(...)``, ``ds.to_parquet(...)``, ``ds.save_to_disk(...)`` or ``ds.push_to_hub(...)`` export it;
    :func:`load_hf` reads it back.
    """
    return _datasets().Dataset.from_list(to_rows(examples, conversational))


def render_messages(messages: Sequence[dict]) -> str:
    """The text of a list of messages: their ``content`` joined by blank lines (a single turn: its content)."""
    return "\n\n".join(str(m["content"]) for m in messages)


def _messages(value: object, where: str) -> list[dict]:
    if not isinstance(value, list) or not value or not all(
            isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str) for m in value):
        raise TypeError(f"{where} must be a string or a non-empty list of {{'role', 'content'}} messages")
    return [{"role": m["role"], "content": m["content"]} for m in value]


def read_rows(path: str | Path) -> list[dict]:
    """The rows of a ``.json`` (array or JSON lines), ``.jsonl`` or ``.parquet`` file, as dicts.

    Raises:
        FileNotFoundError, or ValueError naming the file (and line) for bad JSON, a non-object row,
        an unknown suffix or a file with no rows.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"path {str(p)!r} does not exist")
    if p.suffix not in SUFFIXES:
        raise ValueError(f"{p.name}: expected a {', '.join(SUFFIXES)} file, got suffix {p.suffix!r}")
    if p.suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            rows = pq.read_table(p).to_pylist()
        except Exception as exc:  # pyarrow raises its own error types
            raise ValueError(f"{p.name} is not a readable Parquet file: {str(exc).splitlines()[0]}") from None
    else:
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{p.name} is not UTF-8 text: byte {exc.object[exc.start]:#04x} at offset {exc.start}") from None
        rows = None
        if p.suffix == ".json" and text.lstrip().startswith("["):
            try:
                rows = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{p.name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
        if rows is None:
            rows = []
            for i, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{p.name} line {i} is not valid JSON: {exc.msg} at column {exc.colno}") from None
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ValueError(f"{p.name} row {i + 1} must be an object with prompt, chosen, rejected, got "
                             f"{type(row).__name__}")
    if not rows:
        raise ValueError(f"{p.name} holds no preference rows")
    return rows


def _response(value: object, where: str) -> str:
    if isinstance(value, str):
        return value
    msgs = _messages(value, where)
    k = len(msgs)
    while k > 0 and msgs[k - 1]["role"] == "assistant":
        k -= 1
    if k == len(msgs):
        raise ValueError(f"{where} ends with a {msgs[-1]['role']!r} message; a response must end with assistant turns")
    return render_messages(msgs[k:])


def rows_to_examples(rows: Iterable[dict], where: str = "row",
                     render: Callable[[list[dict]], str] | None = None) -> list[PreferenceExample]:
    """Standard or conversational TRL rows as :class:`PreferenceExample` (text).

    A conversational response is its trailing assistant messages; a prompt given as messages is
    rendered by ``render`` (default :func:`render_messages`; pass a tokenizer's chat template to keep the
    roles); an implicit prompt is the common first messages of ``chosen`` and ``rejected``.

    Args:
        rows: mappings with ``prompt`` (optional for conversational rows), ``chosen`` and ``rejected``.
        where: how errors name the rows (``"data.jsonl row"``).
        render: messages -> prompt text.
    Returns:
        The examples, validated by :func:`check_example`.
    """
    render = render or render_messages
    out = []
    for i, row in enumerate(rows, 1):
        at = f"{where} {i}"
        if not isinstance(row, dict):
            raise TypeError(f"{at} must be a dict with prompt, chosen, rejected, got {type(row).__name__}")
        for key in ("chosen", "rejected"):
            if key not in row or row[key] is None:
                raise ValueError(f"{at} has no {key!r} field (expected prompt, chosen, rejected)")
        data = dict(row)
        if data.get("prompt") is None:
            if isinstance(row["chosen"], str) or isinstance(row["rejected"], str):
                raise ValueError(f"{at} has no 'prompt' field (expected prompt, chosen, rejected)")
            ch, rj = _messages(row["chosen"], f"{at}['chosen']"), _messages(row["rejected"], f"{at}['rejected']")
            k = 0
            while k < min(len(ch), len(rj)) - 1 and ch[k] == rj[k]:
                k += 1
            if k == 0:
                raise ValueError(f"{at} has no 'prompt' and its chosen and rejected conversations share no first "
                                 f"message (an implicit prompt)")
            data = {"prompt": ch[:k], "chosen": ch[k:], "rejected": rj[k:]}
        if not isinstance(data["prompt"], str):
            data["prompt"] = render(_messages(data["prompt"], f"{at}['prompt']"))
        for key in ("chosen", "rejected"):
            data[key] = _response(data[key], f"{at}[{key!r}]")
        out.append(check_example({k: data[k] for k in ("prompt", "chosen", "rejected")}, at))
    return out


def load_preferences(path: str | Path, render: Callable[[list[dict]], str] | None = None) -> list[PreferenceExample]:
    """Read a TRL/HF preference file (``.json``, ``.jsonl`` or ``.parquet``; standard or conversational rows).

    Errors name the file and the row (``data.jsonl row 3 has no 'chosen' field ...``).
    """
    p = Path(path)
    return rows_to_examples(read_rows(p), f"{p.name} row", render)


def to_rows(examples: Iterable[PreferenceExample], conversational: bool = False) -> list[dict]:
    """Examples as TRL rows: strings, or single-turn messages (user prompt, assistant responses)."""
    out = []
    for ex in examples:
        ex = check_example(ex)
        if conversational:
            out.append({"prompt": [{"role": "user", "content": ex.prompt}],
                        "chosen": [{"role": "assistant", "content": ex.chosen}],
                        "rejected": [{"role": "assistant", "content": ex.rejected}]})
        else:
            out.append({"prompt": ex.prompt, "chosen": ex.chosen, "rejected": ex.rejected})
    return out


def save_preferences(examples: Iterable[PreferenceExample], path: str | Path, conversational: bool = False) -> Path:
    """Write examples as ``.json`` (an array), ``.jsonl`` or ``.parquet`` in the standard or conversational layout.

    ``datasets.load_dataset("json" | "parquet", data_files=path)`` reads the files back.
    """
    p = Path(path)
    if p.suffix not in SUFFIXES:
        raise ValueError(f"path must end in {', '.join(SUFFIXES)}, got {p.name!r}")
    rows = to_rows(examples, conversational)
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), p)
    elif p.suffix == ".json":
        p.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        with p.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return p

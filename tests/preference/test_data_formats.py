"""TRL / Hugging Face preference data: standard and conversational rows in JSON, JSONL and Parquet.

The layouts are TRL's "preference" dataset types (trl docs, "Dataset formats": standard
``{"prompt", "chosen", "rejected"}`` strings; conversational lists of ``{"role", "content"}``
messages, with an explicit or an implicit prompt).
"""

import json

import pytest

from regretlab.preference.data import (
    PreferenceExample, load_hf, load_preferences, load_prompts, read_rows, rows_to_examples, save_preferences,
    to_hf_dataset, to_rows,
)

EXAMPLES = [PreferenceExample("What is 2+2?", "4", "5"), PreferenceExample("Capital of France?", "Paris", "Rome")]

# conversational rows as TRL documents them (explicit and implicit prompt)
EXPLICIT = {"prompt": [{"role": "user", "content": "What color is the sky?"}],
            "chosen": [{"role": "assistant", "content": "It is blue."}],
            "rejected": [{"role": "assistant", "content": "It is green."}]}
IMPLICIT = {"chosen": [{"role": "user", "content": "What color is the sky?"},
                       {"role": "assistant", "content": "It is blue."}],
            "rejected": [{"role": "user", "content": "What color is the sky?"},
                         {"role": "assistant", "content": "It is green."}]}
SKY = PreferenceExample("What color is the sky?", "It is blue.", "It is green.")


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".parquet"])
@pytest.mark.parametrize("conversational", [False, True])
def test_round_trip(tmp_path, suffix, conversational):
    path = save_preferences(EXAMPLES, tmp_path / f"d{suffix}", conversational=conversational)
    assert load_preferences(path) == EXAMPLES
    assert read_rows(path) == to_rows(EXAMPLES, conversational)
    if conversational:
        assert read_rows(path)[0]["prompt"] == [{"role": "user", "content": "What is 2+2?"}]


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".parquet"])
def test_conversational_explicit_and_implicit_prompt(tmp_path, suffix):
    rows = [EXPLICIT, IMPLICIT]
    path = tmp_path / f"c{suffix}"
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist([EXPLICIT]), path)  # one schema per Parquet file
        rows = [EXPLICIT]
    elif suffix == ".json":
        path.write_text(json.dumps(rows))
    else:
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert load_preferences(path) == [SKY] * len(rows)
    # multi-turn: the prompt keeps every earlier turn; a response is the trailing assistant turns
    multi = {"chosen": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
                        {"role": "user", "content": "sky?"}, {"role": "assistant", "content": "blue"}],
             "rejected": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
                          {"role": "user", "content": "sky?"}, {"role": "assistant", "content": "green"}]}
    assert rows_to_examples([multi]) == [PreferenceExample("hi\n\nhello\n\nsky?", "blue", "green")]
    chat = rows_to_examples([EXPLICIT], render=lambda m: "".join(f"<{x['role']}>{x['content']}" for x in m))
    assert chat[0].prompt == "<user>What color is the sky?"


def test_hf_datasets_reads_our_exports(tmp_path):
    datasets = pytest.importorskip("datasets", reason="the optional `datasets` package is not installed")
    for suffix, kind in ((".jsonl", "json"), (".parquet", "parquet")):
        path = save_preferences(EXAMPLES, tmp_path / f"d{suffix}", conversational=True)
        ds = datasets.load_dataset(kind, data_files=str(path), split="train", cache_dir=str(tmp_path / "cache"))
        assert rows_to_examples([dict(r) for r in ds]) == EXAMPLES
        # the same through load_hf (a builder name and a local file; no network)
        assert load_hf(kind, data_files=path, cache_dir=str(tmp_path / "cache")) == EXAMPLES


def test_datasets_objects_in_and_out(tmp_path):
    datasets = pytest.importorskip("datasets", reason="the optional `datasets` package is not installed")
    # a Dataset built from dicts: standard rows, and TRL's conversational rows (explicit, implicit prompt)
    standard = datasets.Dataset.from_list(to_rows(EXAMPLES))
    assert load_hf(standard) == EXAMPLES
    assert load_hf(datasets.Dataset.from_list([EXPLICIT])) == [SKY]
    assert load_hf(datasets.Dataset.from_list([IMPLICIT, IMPLICIT])) == [SKY, SKY]
    assert load_hf(datasets.DatasetDict({"train": standard, "test": standard}), split="test") == EXAMPLES
    with pytest.raises(ValueError, match="split 'dev' is not in the dataset; it has 'train', 'test'"):
        load_hf(datasets.DatasetDict({"train": standard, "test": standard}), split="dev")
    # export back: a Dataset in either layout, which datasets writes and reads itself
    for conversational in (False, True):
        ds = to_hf_dataset(EXAMPLES, conversational=conversational)
        assert ds.column_names == ["prompt", "chosen", "rejected"] and len(ds) == 2
        assert [dict(r) for r in ds] == to_rows(EXAMPLES, conversational)
        ds.save_to_disk(str(tmp_path / f"disk{conversational}"))
        assert load_hf(datasets.load_from_disk(str(tmp_path / f"disk{conversational}"))) == EXAMPLES
        ds.to_json(str(tmp_path / f"out{conversational}.jsonl"))
        assert load_preferences(tmp_path / f"out{conversational}.jsonl") == EXAMPLES
    bad = datasets.Dataset.from_list([{"prompt": "a", "chosen": "b", "rejected": "c"}, {"prompt": "a", "chosen": "b",
                                                                                       "rejected": ""}])
    with pytest.raises(ValueError, match="dataset row 2\\['rejected'\\] is an empty response"):
        load_hf(bad)
    with pytest.raises(TypeError, match="source must be a datasets.Dataset"):
        load_hf(3)


def test_bad_input_one_clear_error(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"prompt": "a", "chosen": "b", "rejected": "c"}) + "\n"
                 + json.dumps({"prompt": "a", "rejected": "c"}) + "\n")
    with pytest.raises(ValueError, match="d.jsonl row 2 has no 'chosen' field \\(expected prompt, chosen, rejected\\)"):
        load_preferences(p)
    p.write_text("")
    with pytest.raises(ValueError, match="d.jsonl holds no preference rows"):
        load_preferences(p)
    (tmp_path / "p.txt").write_text("\n  \n")
    with pytest.raises(ValueError, match="p.txt has no prompts"):
        load_prompts(tmp_path / "p.txt")
    (tmp_path / "bad.json").write_text("[{\"prompt\": 1,}]")
    with pytest.raises(ValueError, match="bad.json is not valid JSON"):
        load_preferences(tmp_path / "bad.json")
    (tmp_path / "x.parquet").write_bytes(b"not parquet")
    with pytest.raises(ValueError, match="x.parquet is not a readable Parquet file"):
        load_preferences(tmp_path / "x.parquet")
    with pytest.raises(ValueError, match="expected a .json, .jsonl, .parquet file"):
        (tmp_path / "d.csv").write_text("a")
        load_preferences(tmp_path / "d.csv")
    with pytest.raises(TypeError, match="must be a string or a non-empty list of \\{'role', 'content'\\} messages"):
        rows_to_examples([{"prompt": "a", "chosen": [{"role": "assistant"}], "rejected": "c"}])
    with pytest.raises(ValueError, match="ends with a 'user' message"):
        rows_to_examples([{"prompt": "a", "chosen": [{"role": "user", "content": "x"}], "rejected": "c"}])
    with pytest.raises(ValueError, match="share no first message"):
        rows_to_examples([{"chosen": [{"role": "assistant", "content": "x"}],
                           "rejected": [{"role": "assistant", "content": "y"}]}])
    with pytest.raises(ValueError, match="path must end in"):
        save_preferences(EXAMPLES, tmp_path / "out.txt")

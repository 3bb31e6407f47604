"""What makes sampling and judging shardable over processes, checked in one process.

Prompt ``x``'s responses and pairs come from its own random streams ``(seed, iteration, x)``: they are the
same whichever prompts are sampled or judged with it (another shard, another order, another generation
batch size, other left padding). The draws are exact samples of ``softmax(scores / temperature)``
(Gumbel-max: Gumbel 1954; Maddison, Tarlow & Minka, "A* Sampling", NeurIPS 2014, §2). Checkpoints carry a
format number; a format-1 checkpoint (written before the per-prompt streams) still resumes.
"""

import json
import pickle
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the trainer needs the [llm] extra (torch)")
pytest.importorskip("transformers", reason="the trainer needs the [llm] extra (transformers)")

from regretlab.preference.oracles import CallableOracle  # noqa: E402
from regretlab.preference.tiny import tiny_causal_lm, word_tokenizer  # noqa: E402
from regretlab.preference.trainer import (  # noqa: E402
    CHECKPOINT_FORMAT,
    PreferenceTrainer,
    TrainerConfig,
    _Failure,
    sequence_logprobs,
)

WORDS = ["c0", "c1", "c2", "a", "b", "c"]
PROMPTS = ["c0", "c1 c2 c0 c1", "c2 c1", "c1", "c0 c0 c2"]  # lengths 1..4: different left padding per batch


def _oracle(prompt, a, b):  # transitive, with ties: fewer "a"s lose
    return 0.5 if a.count("a") == b.count("a") else (0.75 if a.count("a") > b.count("a") else 0.25)


def _trainer(output=None, **cfg):
    tok = word_tokenizer(WORDS)
    model = tiny_causal_lm(len(tok), hidden=16, layers=1, seed=3)
    base = dict(iterations=1, num_samples=4, max_new_tokens=4, min_new_tokens=0, learning_rate=5e-2,
                lr_schedule="constant", batch_size=4, pair_selection="random", eta=1.0, tau=0.1,
                generation_batch_size=16)
    base.update(cfg)
    return PreferenceTrainer(model, tok, CallableOracle(_oracle), PROMPTS, TrainerConfig(**base), output)


@pytest.mark.parametrize("loss", ["inpo", "nash_md", "xpo", "sppo"])
def test_a_prompts_responses_and_pairs_do_not_depend_on_its_shard(loss):
    tr = _trainer(loss=loss)
    full = tr.sample(2)
    pairs, discarded = tr.build_pairs(full, 2)
    assert len({tuple(map(tuple, rows)) for rows in full}) == len(PROMPTS)  # the prompts' draws differ
    one_by_one = _trainer(loss=loss, generation_batch_size=1)
    for shard in ([1, 3], [4, 0, 2], [2]):  # rank r of N takes r, r + N, ...; any order, any batch
        for t in (tr, one_by_one):
            got = t.sample(2, shard)
            assert got == [full[x] for x in shard], (shard, t.config.generation_batch_size)
            p, _ = t.build_pairs(got, 2, shard)
            want = [q for q in pairs if q[0] in shard]
            assert sorted(p, key=lambda q: shard.index(q[0])) == sorted(want, key=lambda q: shard.index(q[0]))
    # the shards' pairs, concatenated in prompt order, are the 1-process list
    shards = [tr.build_pairs(tr.sample(2, list(range(r, len(PROMPTS), 2))), 2, list(range(r, len(PROMPTS), 2)))
              for r in range(2)]
    merged = sorted([q for s, _ in shards for q in s], key=lambda q: q[0])  # stable: a prompt's order kept
    assert merged == pairs and sum(d for _, d in shards) == discarded
    assert tr.sample(3) != full  # another iteration, other draws
    with pytest.raises(ValueError, match="indices has 1 prompt indices for 2 sample lists"):
        tr.build_pairs(full[:2], 2, [0])


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_draws_are_samples_of_the_tempered_policy(temperature):
    tok = word_tokenizer(WORDS)
    model = tiny_causal_lm(len(tok), hidden=16, layers=1, seed=3)
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():  # a peaked policy, so temperature matters
        for p in model.parameters():
            p.add_(0.8 * torch.randn(p.shape, generator=g))
    cfg = TrainerConfig(iterations=1, num_samples=2000, max_new_tokens=1, min_new_tokens=1, temperature=temperature,
                        allowed_tokens=tuple(tok.convert_tokens_to_ids(w) for w in "abc"))
    tr = PreferenceTrainer(model, tok, CallableOracle(_oracle), PROMPTS[:2], cfg)
    letters = [[tok.convert_tokens_to_ids(w)] for w in "abc"]
    power = 0.0
    for x, rows in enumerate(tr.sample(1)):
        with torch.no_grad():
            lp = sequence_logprobs(model, [tr._prompt_ids[x]] * 3, letters, tok.pad_token_id, tr.allowed_mask)
        want = torch.softmax(lp.double() / temperature, 0).numpy()
        freq = np.array([sum(r == letters[k] for r in rows) for k in range(3)]) / len(rows)
        # 2000 draws: within 4 standard errors of softmax(log pi / T)
        assert np.all(np.abs(freq - want) < 4 * np.sqrt(want * (1 - want) / len(rows)) + 1e-3), (x, freq, want)
        power = max(power, np.abs(want - torch.softmax(lp.double(), 0).numpy()).max())
    assert temperature == 1.0 or power > 0.05  # T = 0.5 moves the distribution: the test has power


def test_format_1_checkpoints_resume_and_newer_formats_are_refused(tmp_path):
    tr = _trainer(tmp_path / "run", iterations=2)
    tr.train(resume=False)
    state = json.loads((tmp_path / "run" / "iter_001" / "state.json").read_text())
    assert state["format"] == CHECKPOINT_FORMAT == 2
    samples = [json.loads(s) for s in (tmp_path / "run" / "iter_001" / "samples.jsonl").read_text().splitlines()]
    assert [s["prompt"] for s in samples] == PROMPTS and all(len(s["responses"]) == 4 for s in samples)
    # a format-1 checkpoint: no "format" key, no samples.jsonl
    old = tmp_path / "old" / "iter_001"
    shutil.copytree(tmp_path / "run" / "iter_001", old)
    (old / "samples.jsonl").unlink()
    del state["format"]
    (old / "state.json").write_text(json.dumps(state))
    again = _trainer(tmp_path / "old", iterations=2)
    assert again.resume() == 1
    again.train()
    assert again.history[1].extra["losses"] == tr.history[1].extra["losses"]
    newer = tmp_path / "old" / "iter_002" / "state.json"  # the last finished iteration
    newer.write_text(json.dumps({**json.loads(newer.read_text()), "format": 3}))
    with pytest.raises(ValueError, match="has format 3; this regretlab reads formats 1 to 2"):
        _trainer(tmp_path / "old", iterations=3).resume()


def test_an_error_on_one_process_travels_to_the_others_with_its_type_and_message():
    class JudgeDown(Exception):
        pass

    for exc, cls, text in [(ValueError("oracle on prompt 3 returned nan"), ValueError, "oracle on prompt 3"),
                           (ConnectionError("judge at u did not answer"), ConnectionError, "did not answer"),
                           (JudgeDown("gone"), RuntimeError, "process 1: JudgeDown: gone")]:
        sent = pickle.loads(pickle.dumps(_Failure(1, exc)))  # what all_gather_object carries
        assert sent.exc is None and sent.rank == 1
        err = sent.error()
        assert type(err) is cls and text in str(err)

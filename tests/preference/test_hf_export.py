"""A trained policy is a normal Hugging Face model folder: save_pretrained / from_pretrained round trip."""

import pytest

torch = pytest.importorskip("torch", reason="the trainer needs the [llm] extra (torch)")
pytest.importorskip("transformers", reason="the trainer needs the [llm] extra (transformers)")

from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

from regretlab.preference.oracles import CallableOracle  # noqa: E402
from regretlab.preference.tiny import tiny_causal_lm, word_tokenizer  # noqa: E402
from regretlab.preference.trainer import PreferenceTrainer, TrainerConfig  # noqa: E402

WORDS = ["c0", "c1", "a", "b"]


def test_trained_policy_round_trips_through_from_pretrained(tmp_path):
    tok = word_tokenizer(WORDS)
    model = tiny_causal_lm(len(tok), hidden=16, layers=1, seed=0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    allowed = tuple(tok.convert_tokens_to_ids(w) for w in "ab")
    cfg = TrainerConfig(iterations=1, num_samples=4, max_new_tokens=2, min_new_tokens=2, allowed_tokens=allowed,
                        learning_rate=5e-2, lr_schedule="constant", batch_size=4, pair_selection="random")
    oracle = CallableOracle(lambda prompt, a, b: 0.5 if a == b else (0.9 if a < b else 0.1))
    tr = PreferenceTrainer(model, tok, oracle, ["c0", "c1"], cfg, tmp_path / "run")
    tr.train(resume=False)
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())  # it trained
    ids = tok(["c0 a b", "c1 b"], padding=True, return_tensors="pt")
    with torch.no_grad():
        want = model(**ids).logits
    for folder in (tr.save_pretrained(tmp_path / "final"), tmp_path / "run" / "iter_001"):
        assert (folder / "config.json").is_file() and (folder / "tokenizer.json").is_file()
        loaded = AutoModelForCausalLM.from_pretrained(str(folder), local_files_only=True).eval()
        tok2 = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        assert type(loaded) is type(model)
        assert tok2("c1 b a")["input_ids"] == tok("c1 b a")["input_ids"]
        assert (tok2.pad_token, tok2.eos_token) == (tok.pad_token, tok.eos_token)
        with torch.no_grad():
            got = loaded(**tok2(["c0 a b", "c1 b"], padding=True, return_tensors="pt")).logits
        assert torch.equal(got, want)

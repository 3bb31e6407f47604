"""INPO on a larger randomly initialised causal LM (no download): generation and training throughput.

Builds a Llama-style model from a config (default ~0.4B parameters: hidden 1024, 24 layers,
16 heads, vocab 32000), a synthetic word-level tokenizer and an intransitive synthetic preference
oracle, then runs a few iterations of the real trainer (sample K responses per prompt, tournament
pairs, precomputed log pi_ref / log pi_t, INPO loss). Prints the model size, generation tokens/s,
training tokens/s, and the INPO-step / DPO-step time ratio on one batch.

GPU (bf16 where supported; target < 4 minutes on one H100/H200):
    PYTHONPATH=src python benchmarks/inpo_gpu.py --device cuda
CPU smoke run (tiny config):
    PYTHONPATH=src python benchmarks/inpo_gpu.py --device cpu --small
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import time

import numpy as np
import torch

from regretlab.preference.tiny import tiny_causal_lm, word_tokenizer
from regretlab.preference.trainer import PreferenceTrainer, TrainerConfig, preference_step, sequence_logprobs


def synthetic_oracle(prompt: str, a: str, b: str) -> float:
    """An intransitive preference: each response gets blade/chest vectors from a hash of its text."""

    def vec(text: str, salt: str) -> np.ndarray:
        h = hashlib.blake2b((salt + prompt + "|" + text).encode(), digest_size=16).digest()
        return np.frombuffer(h, dtype=np.uint8)[:4].astype(float) / 64.0 - 2.0

    s = vec(a, "b") @ vec(b, "c") - vec(b, "b") @ vec(a, "c")
    return float(1.0 / (1.0 + np.exp(-s)))


def main() -> None:
    ap = argparse.ArgumentParser(description="INPO throughput on a random Llama-style model")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--small", action="store_true", help="tiny config for a CPU smoke run")
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--layers", type=int, default=24)
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--prompts", type=int, default=64)
    ap.add_argument("--samples", type=int, default=4, help="K responses per prompt")
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--iterations", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16, help="pairs per optimiser step")
    ap.add_argument("--epochs", type=int, default=4, help="passes over each iteration's pairs")
    ap.add_argument("--dtype", default="auto", choices=["auto", "bf16", "fp32"])
    args = ap.parse_args()
    if args.small:
        args.hidden, args.layers, args.heads, args.vocab = 64, 2, 4, 500
        args.prompts, args.new_tokens, args.samples = 8, 16, 4
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda requested but CUDA is not available")
    use_bf16 = args.dtype == "bf16" or (args.dtype == "auto" and device.type == "cuda" and torch.cuda.is_bf16_supported())
    dtype = torch.bfloat16 if use_bf16 else torch.float32

    t_start = time.perf_counter()
    words = [f"w{i}" for i in range(args.vocab - 3)]
    tok = word_tokenizer(words)
    model = tiny_causal_lm(len(tok), hidden=args.hidden, layers=args.layers, heads=args.heads,
                           max_positions=64 + args.new_tokens + 16, seed=0)
    model = model.to(device=device, dtype=dtype)
    n_params = sum(p.numel() for p in model.parameters())
    rng = np.random.default_rng(0)
    prompts = [" ".join(f"w{i}" for i in rng.integers(0, len(words), int(rng.integers(16, 48))))
               for _ in range(args.prompts)]
    cfg = TrainerConfig(loss="inpo", eta=200.0, tau=1 / 600, iterations=args.iterations, num_samples=args.samples,
                        pair_selection="tournament", max_new_tokens=args.new_tokens,
                        min_new_tokens=args.new_tokens // 2, learning_rate=5e-6, lr_schedule="cosine",
                        batch_size=args.batch, epochs=args.epochs, generation_batch_size=32, seed=0)
    trainer = PreferenceTrainer(model, tok, synthetic_oracle, prompts, cfg)
    print(f"device {device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}), dtype {dtype}")
    print(f"model: llama-style, hidden {args.hidden}, layers {args.layers}, heads {args.heads}, vocab {len(tok)}: "
          f"{n_params / 1e6:.1f}M parameters ({n_params * (2 if use_bf16 else 4) / 2**30:.2f} GiB weights)")
    print(f"INPO eta=200, tau=1/600 (authors' eta=0.005, ratio=1/3); {args.prompts} prompts x K={args.samples}, "
          f"{args.new_tokens} new tokens, tournament pairs")
    gen_tok = gen_s = train_tok = train_s = 0.0
    for _ in range(args.iterations):
        if device.type == "cuda":
            torch.cuda.synchronize()
        res = trainer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        print(f"iteration {res.iteration}: {res.pairs} pairs, loss {res.loss_first:.4f} -> {res.loss_last:.4f}, "
              f"generation {res.generated_tokens / res.generation_seconds:,.0f} tok/s, "
              f"training {res.train_tokens / max(res.train_seconds, 1e-9):,.0f} tok/s")
        if res.iteration > 1 or args.iterations == 1:  # the first iteration includes warm-up
            gen_tok += res.generated_tokens
            gen_s += res.generation_seconds
            train_tok += res.train_tokens
            train_s += res.train_seconds

    # INPO step vs DPO step on one batch (same model, same precomputed log-probs)
    B = args.batch
    batch_p = [tok(p)["input_ids"] for p in prompts[:B]] * (1 + B // max(len(prompts), 1))
    batch_p = batch_p[:B]
    cw = [rng.integers(3, len(tok), args.new_tokens).tolist() for _ in range(B)]
    cl = [rng.integers(3, len(tok), args.new_tokens - 8).tolist() for _ in range(B)]
    with torch.no_grad():
        rw, rl = sequence_logprobs(model, batch_p, cw, 0), sequence_logprobs(model, batch_p, cl, 0)
    times = {}
    for kind in ("dpo", "inpo", "dpo", "inpo"):
        m = copy.deepcopy(model) if device.type == "cpu" else model
        opt = torch.optim.AdamW(m.parameters(), lr=1e-7)
        c = TrainerConfig(loss=kind, eta=200.0, tau=1 / 600, beta=0.1)
        ts = []
        for r in range(6):
            if device.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            preference_step(m, opt, batch_p, cw, cl, rw, rl, rw, rl, c, 0)
            if device.type == "cuda":
                torch.cuda.synchronize()
            if r >= 2:
                ts.append(time.perf_counter() - t0)
        times[kind] = min(times.get(kind, float("inf")), float(np.median(ts)))
        del opt
    print(f"summary: {n_params / 1e6:.1f}M params; generation {gen_tok / max(gen_s, 1e-9):,.0f} tok/s; "
          f"training {train_tok / max(train_s, 1e-9):,.0f} tok/s; "
          f"INPO step {times['inpo'] * 1e3:.1f} ms vs DPO step {times['dpo'] * 1e3:.1f} ms "
          f"(ratio {times['inpo'] / times['dpo']:.3f}); total {time.perf_counter() - t_start:.1f} s")
    if device.type == "cuda":
        print(f"peak GPU memory {torch.cuda.max_memory_allocated(device) / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()

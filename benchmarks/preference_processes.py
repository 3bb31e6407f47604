"""Iteration wall time of the preference trainer on 2 CPU processes (gloo): sampling and judging on the main
process only (how the trainer worked before) vs sharded over the processes (how it works now).

Both modes run in the same 2 processes, on the same tiny causal LM and tiny reward-model oracle, alternating
iteration by iteration (so machine load hits both alike); the "main only" mode is the old scheme re-created
here: process 0 samples and judges every prompt while the others wait, then broadcasts the pairs. Both modes
give the same responses and pairs (per-prompt random streams), so only the time differs. Reported: the median
over iterations of the sample + judge phase and of the whole iteration (optimisation included), and the ratios.

    PYTHONPATH=src python benchmarks/preference_processes.py [--prompts 32 --samples 4 --tokens 8 --repeats 4]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")


def _args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", type=int, default=32)
    ap.add_argument("--samples", type=int, default=4, help="responses K per prompt")
    ap.add_argument("--tokens", type=int, default=8, help="max new tokens")
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=4, help="iterations per mode (after one warm-up each)")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--folder", default=None, help=argparse.SUPPRESS)
    return ap.parse_args()


def _build(folder: Path, a: argparse.Namespace) -> None:
    import torch
    from transformers import LlamaConfig, LlamaForSequenceClassification

    from regretlab.preference.tiny import tiny_causal_lm, word_tokenizer

    words = [f"w{i}" for i in range(40)]
    tok = word_tokenizer(words)
    tiny_causal_lm(len(tok), hidden=a.hidden, layers=2, seed=0).save_pretrained(folder / "lm")
    tok.save_pretrained(folder / "lm")
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=a.hidden, intermediate_size=2 * a.hidden, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=2, num_labels=1, pad_token_id=0)
    torch.manual_seed(1)
    LlamaForSequenceClassification(cfg).save_pretrained(folder / "rm")
    tok.save_pretrained(folder / "rm")
    rng = __import__("random").Random(0)
    (folder / "prompts.txt").write_text("\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(2, 6)))
                                                  for _ in range(a.prompts)) + "\n")


def _worker(a: argparse.Namespace) -> None:
    import statistics

    import torch
    import torch.distributed as dist
    from accelerate import Accelerator
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from regretlab.preference.data import load_prompts
    from regretlab.preference.oracles import RewardModelOracle
    from regretlab.preference.trainer import PreferenceTrainer, TrainerConfig

    torch.set_num_threads(1)
    folder = Path(a.folder)

    class MainOnly(PreferenceTrainer):
        """The old scheme when ``main_only``: process 0 samples and judges every prompt, then broadcasts."""

        main_only = False

        def _sample_and_judge(self, t):
            if not self.main_only:
                return super()._sample_and_judge(t)
            made = None
            if self.is_main_process:
                t0 = time.perf_counter()
                samples = self.sample(t)
                t1 = time.perf_counter()
                pairs, discarded = self.build_pairs(samples, t)
                made = (samples, pairs, discarded, {"generation_seconds": t1 - t0,
                                                    "judge_seconds": time.perf_counter() - t1, "gather_seconds": 0.0})
            box = [made]
            dist.broadcast_object_list(box, src=0)
            return box[0]

    acc = Accelerator(cpu=True)
    tok = AutoTokenizer.from_pretrained(str(folder / "lm"))
    lm = AutoModelForCausalLM.from_pretrained(str(folder / "lm"))
    oracle = RewardModelOracle(str(folder / "rm"))
    cfg = TrainerConfig(iterations=10**6, num_samples=a.samples, max_new_tokens=a.tokens, pair_selection="random",
                        learning_rate=1e-3, batch_size=8, epochs=1, generation_batch_size=16, seed=0)
    tr = MainOnly(lm, tok, oracle, load_prompts(folder / "prompts.txt"), cfg, accelerator=acc)
    times: dict[str, list[tuple[float, ...]]] = {"main only": [], "sharded": []}
    for rep in range(a.repeats + 1):
        for mode in ("main only", "sharded"):
            tr.main_only = mode == "main only"
            acc.wait_for_everyone()
            t0 = time.perf_counter()
            r = tr.step()
            acc.wait_for_everyone()
            total = time.perf_counter() - t0
            if rep:  # the first round warms up
                times[mode].append((r.generation_seconds, r.extra["judge_seconds"],
                                    r.generation_seconds + r.extra["judge_seconds"] + r.extra["gather_seconds"], total))
    if acc.is_main_process:
        med = {m: [statistics.median(x[i] for x in v) for i in range(4)] for m, v in times.items()}
        print(f"{a.processes} CPU processes (gloo), {a.prompts} prompts x {a.samples} responses, {a.tokens} new "
              f"tokens, tiny Llama (hidden {a.hidden}) + reward-model oracle; median of {a.repeats} iterations each; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for m, (g, j, sj, tot) in med.items():
            print(f"  {m:9s}: sampling {g * 1e3:7.1f} ms (slowest process), judging {j * 1e3:7.1f} ms, "
                  f"sample + judge + exchange {sj * 1e3:7.1f} ms, whole iteration {tot * 1e3:7.1f} ms")
        a_, b_ = med["main only"], med["sharded"]
        print(f"ratio sharded / main only: sampling {b_[0] / a_[0]:.3f}x, judging {b_[1] / a_[1]:.3f}x, "
              f"sample + judge {b_[2] / a_[2]:.3f}x, whole iteration {b_[3] / a_[3]:.3f}x")


def main() -> None:
    a = _args()
    if "WORLD_SIZE" in os.environ:
        _worker(a)
        return
    with tempfile.TemporaryDirectory() as tmp:
        _build(Path(tmp), a)
        env = {**os.environ, "ACCELERATE_USE_CPU": "true", "TOKENIZERS_PARALLELISM": "false"}
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(a.processes),
               __file__, *sys.argv[1:], "--folder", tmp]
        sys.exit(subprocess.run(cmd, env=env).returncode)


if __name__ == "__main__":
    main()

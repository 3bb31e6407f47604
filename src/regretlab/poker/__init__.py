"""Multi-player Texas hold'em played by bots and language models (PokerGPT, Huang et al. 2024).

``env``: the batched, seeded hold'em environment on pokerkit, hand records, PHH import/export;
``equity`` and ``bots``: baseline players; ``arena``: win rates with confidence intervals;
``pipeline``: records to prompts, SFT and preference pairs; ``model``: a tiny Llama-style LM with
a poker tokenizer, SFT and RLHF (the project's preference trainer). See docs/poker.md.
"""

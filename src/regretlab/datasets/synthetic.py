"""Synthetic grouped linear-regression stream of the groupwise-regret paper (SynthGenLinear).

Acharya, Arunachaleswaran, Kannan, Roth, Ziani, "Oracle Efficient Algorithms for Groupwise
Regret", ICLR 2024, §5; generator ``bilevel/synth_datagen.py`` of krishnacharya/multidecomp.
The legacy NumPy/Python generators are called in the original order so the stream is identical.
"""

from __future__ import annotations

import random

import numpy as np

from regretlab.core.errors import check_int, check_positive
from regretlab.datasets.base import GroupedData, minmax

SHAPES = ("circle", "square", "triangle")
COLORS = ("green", "red")
AGGREGATES = ("mean", "min", "max", "dperm")


def synthetic_groups(
    label: str = "mean",
    samples: int = 100_000,
    dim: int = 20,
    seed: int = 21,
    group_probs: tuple[tuple[float, ...], ...] = ((0.5, 0.3, 0.2), (0.6, 0.4)),
    group_names: tuple[tuple[str, ...], ...] = (SHAPES, COLORS),
    noise: float = 0.16,
    include_group_features: bool = True,
) -> GroupedData:
    """Linear per-group labels aggregated over each sample's active groups (paper §5 synthetic).

    y_g = x·w_g + N(0, noise²) with x ~ U[0,1]^dim, w_g ~ U[0,1]^dim; each sample draws one group
    from every attribute (``random.choices``); the label aggregates its active groups' y_g by
    mean / min / max / dperm (first active group in the dominance order
    ``np.random.permutation(G)``, which is [3 1 4 2 0] for the default seed); every label column
    is min–max scaled to [0, 1].

    RNG order (as in SynthGenLinear): ``np.random.seed(seed); random.seed(seed)``; features
    (uniform), group indicators (random.choices per attribute), weights (uniform), noise
    (normal), dominance permutation. Instances ``RandomState(seed)``/``random.Random(seed)``
    give the same streams without touching the global generators.

    Args:
        label: "mean", "min", "max" or "dperm".
        samples: T rows.
        dim: number of continuous features.
        seed: the generator seed (21 in the paper's notebooks).
        group_probs: per attribute, the probabilities of its groups.
        group_names: per attribute, the names of its groups.
        noise: standard deviation of the label noise.
        include_group_features: append the one-hot group indicators to X (the paper does).

    Returns:
        GroupedData with X ``[T, dim + G]``, y ``[T]``, groups ``[T, G + 1]`` (last column
        always_on).
    """
    if label not in AGGREGATES:
        raise ValueError(f"label must be one of {AGGREGATES}, got {label!r}")
    samples = check_int("samples", samples)
    dim = check_int("dim", dim)
    check_positive("noise", noise, allow_zero=True)
    if len(group_probs) != len(group_names) or any(
        len(p) != len(n) for p, n in zip(group_probs, group_names)
    ):
        raise ValueError(
            f"group_probs must match group_names attribute by attribute, got {group_probs!r} "
            f"for {group_names!r}"
        )
    nprng = np.random.RandomState(seed)
    pyrng = random.Random(seed)
    names = [n for attr in group_names for n in attr]
    num_groups = len(names)

    feats = nprng.uniform(low=0.0, high=1.0, size=(samples, dim))
    blocks = []
    for probs in group_probs:
        eye = np.eye(len(probs))
        # random.choices over the rows of eye draws one uniform per sample, like the original.
        picks = pyrng.choices(population=range(len(probs)), weights=list(probs), k=samples)
        blocks.append(eye[np.asarray(picks)])
    member = np.hstack(blocks)  # [T, G] float 0/1
    weights = nprng.uniform(low=0.0, high=1.0, size=(dim, num_groups))
    labels = np.zeros((samples, num_groups))
    labels += np.matmul(feats, weights)
    labels += nprng.normal(scale=noise, size=(samples, num_groups))

    masked = np.ma.masked_array(member, mask=member == 0) * labels
    if label == "mean":
        target = np.ma.getdata(np.mean(masked, axis=1))
    elif label == "min":
        target = np.ma.getdata(np.min(masked, axis=1))
    elif label == "max":
        target = np.ma.getdata(np.max(masked, axis=1))
    else:
        dperm = nprng.permutation(num_groups)
        permuted = masked[:, dperm]
        first = (np.ma.getmask(permuted) == False).argmax(axis=1)  # noqa: E712
        target = np.ma.getdata(permuted[np.arange(samples), first])
    target = minmax(np.asarray(target, dtype=np.float64)[:, None])[:, 0]

    X = np.hstack([feats, member]) if include_group_features else feats
    feature_names = tuple(f"x_{i}" for i in range(dim)) + (
        tuple(f"g_{n}" for n in names) if include_group_features else ()
    )
    groups = np.hstack([member.astype(bool), np.ones((samples, 1), dtype=bool)])
    return GroupedData(
        X=np.ascontiguousarray(X, dtype=np.float64),
        y=target,
        groups=groups,
        group_names=tuple(names) + ("always_on",),
        feature_names=feature_names,
    )


def dominance_order(seed: int = 21, samples: int = 100_000, dim: int = 20, num_groups: int = 5,
                    attribute_sizes: tuple[int, ...] = (3, 2)) -> np.ndarray:
    """The dominance permutation the generator draws last (paper: [3 1 4 2 0] for seed 21)."""
    nprng = np.random.RandomState(seed)
    nprng.uniform(size=(samples, dim))
    nprng.uniform(size=(dim, num_groups))
    nprng.normal(size=(samples, num_groups))
    return nprng.permutation(num_groups)

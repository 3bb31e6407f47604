"""Time-series extrinsic regression sets that ship inside PyPI wheels (regression spec §3):
Covid3Month and CardanoSentiment (aeon), Tecator (sktime). Nothing is downloaded.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from regretlab.datasets.base import DatasetUnavailable


def _need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise DatasetUnavailable(f"this TSER set ships in the {module} wheel: pip install {module}")


def _stack(loader) -> tuple[np.ndarray, np.ndarray]:
    X_train, y_train = loader(split="train")
    X_test, y_test = loader(split="test")
    X = np.concatenate([np.asarray(X_train, dtype=np.float64), np.asarray(X_test, dtype=np.float64)])
    y = np.concatenate([np.asarray(y_train, dtype=np.float64), np.asarray(y_test, dtype=np.float64)])
    return X, y


def covid3month() -> tuple[np.ndarray, np.ndarray]:
    """Covid3Month (201 series = 140 train + 61 test, length 84; target: death rate): X ``[201, 1, 84]``."""
    _need("aeon")
    from aeon.datasets import load_covid_3month  # type: ignore

    return _stack(load_covid_3month)


def cardano_sentiment() -> tuple[np.ndarray, np.ndarray]:
    """CardanoSentiment (107 series, 2 channels, length 24): X ``[107, 2, 24]``."""
    _need("aeon")
    from aeon.datasets import load_cardano_sentiment  # type: ignore

    return _stack(load_cardano_sentiment)


def tecator() -> tuple[np.ndarray, np.ndarray]:
    """Tecator (215 NIR spectra of length 100; target: fat %) from sktime: X ``[215, 1, 100]``."""
    _need("sktime")
    from sktime.datasets import load_tecator  # type: ignore

    X, y = load_tecator(return_type="numpy3D")
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)


def weekly_log_features(X: np.ndarray, step: int = 7) -> np.ndarray:
    """Linear-learner features: log1p of every ``step``-th value of channel 0, plus a bias column."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3:
        raise ValueError(f"X must be [N, channels, length], got shape {list(X.shape)}")
    feats = np.log1p(np.clip(X[:, 0, ::step], 0.0, None))
    return np.hstack([feats, np.ones((X.shape[0], 1))])

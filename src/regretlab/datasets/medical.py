"""Medical Cost Personal (``insurance.csv``, 1,338 × 7) loader from a user-supplied path, with the
groups and preprocessing of the groupwise-regret paper (Acharya et al., ICLR 2024, §5).

The file is not in any PyPI package (spec §0 data table), so nothing is bundled or downloaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from regretlab.datasets.base import GroupedData, check_file, minmax

MEDICAL_COLUMNS = ("age", "sex", "bmi", "children", "smoker", "region", "charges")
MEDICAL_GROUPS = (
    "young", "middle", "old", "underweight", "healthy", "overweight", "obese",
    "smoker", "non-smoker", "male", "female", "always_on",
)


def medical_cost(path: str | Path) -> GroupedData:
    """Medical costs as a grouped regression stream (target: min–max scaled ``charges``).

    Groups: age ≤35 / 36–50 / >50; BMI <18.5 / [18.5, 25) / [25, 30) / ≥30; smoker yes/no; sex;
    always_on. Features: min–max scaled age, bmi, children; one-hot sex, smoker, region; the
    age- and BMI-band indicators.

    Args:
        path: the ``insurance.csv`` file (columns ``MEDICAL_COLUMNS``).
    """
    import pandas as pd

    p = check_file("path", path)
    df = pd.read_csv(p)
    missing = [c for c in MEDICAL_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"path {str(p)!r}: missing column(s) {missing}; expected {list(MEDICAL_COLUMNS)}")
    charges = df["charges"].to_numpy(dtype=np.float64)
    if not np.isfinite(charges).all():
        raise ValueError(f"path {str(p)!r}: column 'charges' has non-finite values")
    age = df["age"].to_numpy(dtype=np.float64)
    bmi = df["bmi"].to_numpy(dtype=np.float64)
    bands = np.column_stack(
        [age <= 35, (age > 35) & (age <= 50), age > 50, bmi < 18.5, (bmi >= 18.5) & (bmi < 25), (bmi >= 25) & (bmi < 30), bmi >= 30]
    )
    smoker = (df["smoker"] == "yes").to_numpy()
    male = (df["sex"] == "male").to_numpy()
    groups = np.column_stack([bands, smoker, ~smoker, male, ~male, np.ones(len(df), dtype=bool)])
    numeric = minmax(df[["age", "bmi", "children"]].to_numpy(dtype=np.float64))
    onehot = pd.concat([pd.get_dummies(df[c], prefix=c).astype(np.float64) for c in ("sex", "smoker", "region")], axis=1)
    X = np.hstack([numeric, onehot.to_numpy(), bands.astype(np.float64)])
    names = ("age", "bmi", "children") + tuple(onehot.columns) + MEDICAL_GROUPS[:7]
    return GroupedData(np.ascontiguousarray(X), minmax(charges[:, None])[:, 0], groups, MEDICAL_GROUPS, names)

"""Datasets for online regression and groupwise regret; nothing is downloaded at run time.

Every loader returns plain NumPy arrays (and group names) and raises
:class:`DatasetUnavailable` with the install line when its offline source is missing.
"""

from regretlab.datasets.adult import adult_reconstruction, adult_uci
from regretlab.datasets.base import DatasetUnavailable, GroupedData
from regretlab.datasets.medical import medical_cost
from regretlab.datasets.synthetic import synthetic_groups
from regretlab.datasets.tabular import diamonds
from regretlab.datasets.tser import cardano_sentiment, covid3month, tecator

__all__ = [
    "DatasetUnavailable",
    "GroupedData",
    "adult_reconstruction",
    "adult_uci",
    "cardano_sentiment",
    "covid3month",
    "diamonds",
    "medical_cost",
    "synthetic_groups",
    "tecator",
]

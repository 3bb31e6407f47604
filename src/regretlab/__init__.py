"""regretlab: no-regret learning with a batched learner contract.

Learners are factories returning objects with pure ``init``/``strategy``/``update`` over explicit
state whose first axis is ``B`` independent runs. See ``regretlab.core`` for the contract.
"""

__version__ = "0.1.0"

"""``python -m regretlab.cli``: the same as the ``regretlab`` command."""

from regretlab.cli import main

main()

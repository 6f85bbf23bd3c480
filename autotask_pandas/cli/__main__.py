"""``python -m autotask_pandas.cli``."""

import sys

from autotask_pandas.cli import main

sys.exit(main())

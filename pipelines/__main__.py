"""``python -m pipelines`` is the ``newsetl`` command."""
import sys

from pipelines.cli import main

sys.exit(main())

"""``python -m pipelines`` is the ``newsetl`` command."""
from pipelines.cli import console_main

console_main()

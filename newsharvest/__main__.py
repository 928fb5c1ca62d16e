"""``python -m newsharvest`` is the ``newsharvest`` command."""

from newsharvest.cli import main

main()

"""``python -m truthsim``: the same as the ``truthsim`` command."""

from truthsim.cli import main

main()

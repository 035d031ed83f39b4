"""`python -m slm_psr ...`: the command line."""

from slm_psr.cli import main

raise SystemExit(main())

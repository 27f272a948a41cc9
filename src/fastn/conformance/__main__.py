"""``python -m fastn.conformance CASES_DIR OUT_DIR``: render the corpus (see the package)."""

from fastn.conformance import main

raise SystemExit(main())

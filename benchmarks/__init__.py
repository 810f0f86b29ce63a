"""Benchmarks: ``python -m benchmarks`` (or ``make bench``) prints every figure beside a
baseline measured in the same run. ``--quick`` runs each at a small size, as the test suite
does, to check that every figure still prints."""

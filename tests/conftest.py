"""Suite-wide plugins: strict skips (``support.strict_skips``: with ``LOCUS_STRICT_SKIPS=1``, as
in CI, a skip not named in ``tests/skip-allowlist.txt`` is a failure) and the ``helm`` fixture
(``support.helm``)."""

pytest_plugins = ["support.strict_skips", "support.helm"]

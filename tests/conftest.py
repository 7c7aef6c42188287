"""Suite-wide plugins: strict skips (``support.strict_skips``: with ``LOCUS_STRICT_SKIPS=1``, as
in CI, a skip not named in ``tests/skip-allowlist.txt`` is a failure) and the ``helm`` fixture
(``support.helm``); with ``LOCUS_TEST_PLAYBOOKS=server`` the
session's playbooks run through a playbook server (``support.playbook_server``); a test after
which ``/dev/null`` is no longer the null device fails (``support.device_guard``)."""

pytest_plugins = [
    "support.strict_skips",
    "support.helm",
    "support.playbook_server",
    "support.device_guard",
]

"""The golden files are expected output, not tests of this project; the project's own markers."""

import pytest

collect_ignore = ["golden"]


def pytest_configure(config: pytest.Config) -> None:
    """Markers of the project's own tests."""
    config.addinivalue_line("markers", "faulty: end-to-end runs against misbehaving systems (slow; select with -m faulty)")

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures import jobs as test_jobs


@pytest.fixture
def recorded() -> Iterator[list[str]]:
    """The keys of tests.record_run runs that finish during the test, in order."""
    test_jobs.runs.clear()
    yield test_jobs.runs
    test_jobs.runs.clear()


@pytest.fixture
def logs() -> Iterator[list[dict[str, Any]]]:
    with test_jobs.captured_logs() as entries:
        yield entries

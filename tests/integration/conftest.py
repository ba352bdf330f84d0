import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import harness  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def built_binaries():
    for path in (harness.WARDEN, harness.WT):
        assert os.access(path, os.X_OK), f"{path} is not built"
    assert os.geteuid() == 0, "the integration tests need root (namespaces, real users)"


@pytest.fixture(params=[True, False], ids=["pid1", "child"])
def pid1(request):
    return request.param

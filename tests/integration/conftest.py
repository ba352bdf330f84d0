import atexit
import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(__file__))
HERE = os.path.dirname(os.path.abspath(__file__))


def _reachable_copies():
    """Copies warden and wt into a fresh 0755 directory and points TESTED_WARDEN and WT_BIN
    there, before harness reads them: the tests run them as other users, who may not reach
    the clone (a clone under /root, mode 0700 on Debian, must pass too)."""
    defaults = {"TESTED_WARDEN": "../../build/warden", "WT_BIN": "../../build/tests/wt"}
    sources = {name: os.environ.get(name, os.path.join(HERE, path))
               for name, path in defaults.items()}
    if not all(os.path.isfile(path) for path in sources.values()):
        return  # built_binaries below says which one is missing
    base = tempfile.mkdtemp(prefix="warden-tested-", dir="/tmp")
    atexit.register(shutil.rmtree, base, True)
    os.chmod(base, 0o755)
    for variable, path in sources.items():
        copy = os.path.join(base, os.path.basename(path))
        shutil.copy2(path, copy)
        os.chmod(copy, 0o755)
        os.environ[variable] = copy


_reachable_copies()
# warden refuses WARDEN_* variables that no option reads: a tester's own (WARDEN_SKIP_FRESH,
# say) must not reach the warden under test, which sees what a container would.
for _name in [name for name in os.environ if name.startswith("WARDEN_")]:
    del os.environ[_name]
import harness  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def built_binaries():
    for path in (harness.WARDEN, harness.WT):
        assert os.access(path, os.X_OK), f"{path} is not built"
    assert os.geteuid() == 0, "the integration tests need root (namespaces, real users)"


@pytest.fixture(params=[True, False], ids=["pid1", "child"])
def pid1(request):
    return request.param


# The image's account files for the privilege and volume tests, bind-mounted over /etc in
# a private mount namespace so that the host's are never touched.
PASSWD = """root:x:0:0:root:/root:/bin/bash
app:x:1000:1000:App:/home/app:/bin/sh
web:x:1001:1001:Web:/srv/web:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
"""
GROUP = """root:x:0:
app:x:1000:
web:x:1001:
staff:x:50:app,other
video:x:44:other,app
audio:x:29:appx
nogroup:x:65534:
"""


@pytest.fixture
def accounts(tmp_path_factory):
    base = tmp_path_factory.mktemp("accounts")
    passwd, group = base / "passwd", base / "group"
    passwd.write_text(PASSWD)
    group.write_text(GROUP)
    return passwd, group

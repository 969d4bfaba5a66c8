"""pytest plugin: the real OpenSID v2410 application, started once per session when a test asks.

`opensid_app` (session) runs `../shared/opensid/v2410/start.sh` on free ports and yields an
`OpenSIDApp` (tests/support/opensid_app.py): `url`, `database_url` (OpenSID's own database, what
the bot is pointed at), `admin_user`, `admin_password`, `admin()` (a logged-in admin.py client),
`sql()` (as MariaDB's root), `reset()`. `opensid_v2410_app` resets it first: every test starts
from the demo database, with no OpenSID caches or sessions left by the test before.
Tests that request it are marked `opensid` (tests/support/markers.py). Enable with
`pytest_plugins = ["tests.support.fixtures_opensid"]`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fixtures_mariadb import OPENSID_V2410_DIR, skip_or_fail
from tests.support.opensid_app import (
    OpenSIDApp,
    OpenSIDError,
    missing_package_files,
    missing_requirements,
)


@pytest.fixture(scope="session")
def opensid_app(tmp_path_factory) -> Iterator[OpenSIDApp]:
    """The real OpenSID v2410 (php -S + its MariaDB) for the whole session, stopped at the end."""
    missing = missing_package_files(OPENSID_V2410_DIR)
    if missing:
        skip_or_fail(f"OpenSID v2410 package incomplete in {OPENSID_V2410_DIR}: "
                     f"no {', '.join(missing)}")
    problems = missing_requirements()
    if problems:
        # Like a missing mariadbd: a failure, never a skip (.ci/run installs them all).
        pytest.fail("cannot run OpenSID v2410: " + "; ".join(problems)
                    + " (.ci/run installs php8.2-cli php8.2-mysql php8.2-gd php8.2-curl "
                    "php8.2-mbstring php8.2-xml php8.2-zip php8.2-intl php8.2-bcmath php8.2-tidy "
                    "curl)")
    # Under /tmp, so start.sh may open pytest's 0700 parents for the mysql user (o+x only).
    app = OpenSIDApp(OPENSID_V2410_DIR, tmp_path_factory.mktemp("opensid"))
    try:
        try:
            app.start()
        except OpenSIDError as exc:
            pytest.fail(str(exc))
        yield app
    finally:
        app.stop()
        app.remove_data()


@pytest.fixture
def opensid_v2410_app(opensid_app: OpenSIDApp) -> OpenSIDApp:
    """The session's OpenSID with a fresh copy of the demo database (about 1.5 s)."""
    try:
        opensid_app.reset()
    except OpenSIDError as exc:
        pytest.fail(str(exc))
    return opensid_app

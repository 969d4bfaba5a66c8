"""`python -m tools.healthcheck URL`: exit 0 if URL answers 2xx within a few seconds, else 1.

The container image has no curl or wget; Docker's HEALTHCHECK (deploy/Dockerfile) and compose's
per-service healthchecks run this instead. Standard library only, so it works whatever the
rest of the image holds. One line on stdout says why, which `docker inspect` shows.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

TIMEOUT = 3.0  # seconds; Docker's own --timeout (5 s in the Dockerfile) is the outer bound


def check(url: str, timeout: float = TIMEOUT) -> tuple[bool, str]:
    """(healthy, reason): healthy when `url` answers with a 2xx status within `timeout`."""
    # No proxies: a container's HTTP_PROXY must not carry a probe of its own loopback away.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:  # 4xx and 5xx arrive as exceptions
        return False, f"{url}: HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:  # refused, timeout, bad URL
        return False, f"{url}: {getattr(exc, 'reason', exc)}"
    return 200 <= status < 300, f"{url}: HTTP {status}"


def main(argv: list[str] | None = None) -> int:
    """Check the one URL given; the exit status is Docker's healthy (0) / unhealthy (1)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tools.healthcheck URL", file=sys.stderr)
        return 1
    healthy, reason = check(args[0])
    print(reason)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())

"""What the network guard (issue 22, item 3) adds to a login: headless Chromium logins on the
loopback test IdP, with the guard and without it (``Capture.protect`` made a no-op), interleaved.

    .venv/bin/python bench/guard_cost.py              # 10 pairs
    .venv/bin/python bench/guard_cost.py --runs 20

Two figures per login: the whole browser login (start to SAML response), and the part the guard
acts in: from the password being asked for (right before ``protect``) to the SAML response. The
difference of the medians is the guard's cost, but on a loaded machine the noise is larger than
that; so the guard's own time is also summed in every guarded login: ``protect`` (widening the
interception on each target, synchronous) plus the handling of each request it holds. The load
average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests")]

from pages.idp import USERS, IdpServer  # noqa: E402

from awscli_saml_sso import browser  # noqa: E402
from awscli_saml_sso.browser import endpoints as ep  # noqa: E402
from awscli_saml_sso.browser.capture import Capture  # noqa: E402
from awscli_saml_sso.browser.capture_cdp import CdpCapture  # noqa: E402
from awscli_saml_sso.options import Answers, IdpOptions  # noqa: E402

ENDPOINT = "http://127.0.0.1:9/saml"  # caught in the browser: nothing listens there


def one_login(idp: IdpServer) -> tuple[float, float]:
    """(whole login, from the password asked for to the response), in seconds."""
    marks: dict[str, float] = {}

    def status(message: str) -> None:
        marks.setdefault(message.split()[0] + " " + " ".join(message.split()[1:4]), time.monotonic())

    login = browser.BrowserLogin(
        idp=IdpOptions(url=idp.base + "/a", username="alice"),
        answers=Answers(password=lambda: USERS["alice"]),
        status=status,
    )
    began = time.monotonic()
    value = browser.capture_saml_response(login)
    ended = time.monotonic()
    assert value == idp.saml_value, value
    asked = marks["the IdP asks for"]
    return ended - began, ended - asked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/guard_cost.py", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="pairs of logins [10]")
    args = parser.parse_args(argv)
    idp = IdpServer()
    idp.saml_target = ENDPOINT
    os.environ["ASS_SAML_ENDPOINTS"] = ENDPOINT
    protect, on_request = Capture.protect, CdpCapture._on_request
    spent = {"protect": 0.0, "held": 0.0, "requests": 0}

    def timed_protect(self: Capture, *args: object, **kwargs: object) -> None:
        began = time.perf_counter()
        protect(self, *args, **kwargs)  # type: ignore[arg-type]
        spent["protect"] += time.perf_counter() - began

    def timed_on_request(self: CdpCapture, event: dict) -> None:
        began = time.perf_counter()
        on_request(self, event)
        if self.guarding and not ep.is_saml_endpoint(event["params"]["request"]["url"], self._guarded):
            spent["held"] += time.perf_counter() - began
            spent["requests"] += 1

    CdpCapture._on_request = timed_on_request  # type: ignore[method-assign]
    samples: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    own: list[tuple[float, float, int]] = []
    try:
        one_login(idp)  # warm up: page cache, bytecode
        for _ in range(args.runs):
            for guarded in (True, False):
                spent.update(protect=0.0, held=0.0, requests=0)
                Capture.protect = timed_protect if guarded else (lambda self, *a, **k: None)  # type: ignore[method-assign]
                samples[guarded].append(one_login(idp))
                if guarded:
                    own.append((spent["protect"], spent["held"], int(spent["requests"])))
    finally:
        Capture.protect, CdpCapture._on_request = protect, on_request  # type: ignore[method-assign]
        idp.close()
    load = os.getloadavg()
    for index, what in ((0, "whole browser login"), (1, "password asked -> SAML response")):
        on = statistics.median(s[index] for s in samples[True]) * 1000
        off = statistics.median(s[index] for s in samples[False]) * 1000
        print(f"{what}: guard {on:.0f} ms, no guard {off:.0f} ms, difference {on - off:+.0f} ms (medians)")
    totals = sorted(p + h for p, h, _ in own)
    print(
        f"guard's own time per login: median {statistics.median(totals) * 1000:.1f} ms, max {totals[-1] * 1000:.1f} ms"
        f" (protect {statistics.median(p for p, _, _ in own) * 1000:.1f} ms + "
        f"{statistics.median(n for _, _, n in own):.0f} held requests {statistics.median(h for _, h, _ in own) * 1000:.1f} ms)"
    )
    print(f"{args.runs} pairs; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

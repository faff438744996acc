"""Hostile inputs and boundary fakes for the fail-safe suite (tests/test_security_*.py,
tests/test_reliability_*.py).

``corpus``  attacks on every parser the CLI has: SAML responses, form bodies, INI files,
            ``idps.json``, the credential-process cache (built in code: some need a live path or port)
``harness`` run the real CLI as a subprocess and measure it (exit, stderr, CPU time, peak memory);
            snapshots of files; leftover browser processes; secret scans
``fakes``   loopback servers standing in for AWS STS and an IdP that is down, slow or failing
"""

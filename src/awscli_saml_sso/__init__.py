"""awscli-saml-sso: temporary AWS credentials through any SAML identity provider."""

try:
    # Written by setuptools-scm at build or install time from the git tag (pyproject.toml).
    from ._version import __version__
except ImportError:  # a source tree never built nor installed (python -m from a bare checkout)
    __version__ = "0+unknown"

"""awscli-saml-sso: temporary AWS credentials through any SAML identity provider."""

__version__ = "1.0.0.dev0"

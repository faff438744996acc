"""One module per command: turns the CLI's options into a call, and the result into lines.

Commands print through the ``ui.Terminal`` they are given and raise ``SamlSsoError``s; only
``cli.main`` exits.
"""

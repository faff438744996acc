"""Delivering credentials to other programs: the ``--listen`` ACS receiver, ``credential_process``
(and its cache), ``exec``/``env``, the console sign-in URL and ``status``.

Every module here is light at import time; boto3, selenium and keyring are imported only by the
code paths that log in.
"""

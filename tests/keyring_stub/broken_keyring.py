"""A keyring backend that is there but cannot store (a locked Secret Service, a full disk, a
denied Keychain prompt): what the CLI meets at the OS boundary. ``PYTHON_KEYRING_BACKEND=
broken_keyring.BrokenKeyring`` with this directory on PYTHONPATH."""

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError, PasswordSetError


class BrokenKeyring(KeyringBackend):
    priority = 1

    def get_password(self, service, username):
        return None

    def set_password(self, service, username, password):
        raise PasswordSetError("the collection is locked")

    def delete_password(self, service, username):
        raise PasswordDeleteError("the collection is locked")

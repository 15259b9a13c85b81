"""Settings for the test suite: development defaults and synchronous django-q2 tasks."""

import os

os.environ.setdefault("KOSCHEI_DEBUG", "1")
os.environ.setdefault("KOSCHEI_CONFIG", "")  # never read /etc/koschei in tests

from koschei_site.settings import *  # noqa: F403

Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

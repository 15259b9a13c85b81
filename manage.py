#!/usr/bin/env python3
"""Django's command-line utility for Koschei on Django."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koschei_site.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A missing or broken setting: one line naming it, not a traceback.
        sys.exit(f"koschei: configuration error: {exc}")


if __name__ == "__main__":
    main()

"""Collections, packages, groups, notices and the audit log. GPL-2.0-or-later."""

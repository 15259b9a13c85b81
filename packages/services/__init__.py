"""Every write of the packages domain goes through these functions (one writer each).

Views, commands, admin actions and tasks call them; they validate, write, and audit.
"""

from packages.services.audit import log_entry
from packages.services.collection_groups import (
    create_collection_group,
    delete_collection_group,
    edit_collection_group,
    get_collection_group,
)
from packages.services.collections import (
    delete_collection,
    edit_collection_settings,
    get_collection,
)
from packages.services.groups import (
    create_group,
    delete_group,
    edit_group,
    get_group,
    set_group_content,
    set_group_maintainers,
)
from packages.services.notices import clear_notice, set_notice
from packages.services.snooze import (
    clear_expired_snoozes,
    parse_until,
    snooze_group,
    snooze_packages,
)
from packages.services.tracking import (
    find_group_packages,
    find_packages,
    set_arch_override,
    set_package_attribute,
    set_priority,
    track_group,
    track_packages,
)

__all__ = [
    "clear_expired_snoozes",
    "clear_notice",
    "create_collection_group",
    "create_group",
    "delete_collection",
    "delete_collection_group",
    "delete_group",
    "edit_collection_group",
    "edit_collection_settings",
    "edit_group",
    "find_group_packages",
    "find_packages",
    "get_collection",
    "get_collection_group",
    "get_group",
    "log_entry",
    "parse_until",
    "set_arch_override",
    "set_group_content",
    "set_group_maintainers",
    "set_notice",
    "set_package_attribute",
    "set_priority",
    "snooze_group",
    "snooze_packages",
    "track_group",
    "track_packages",
]

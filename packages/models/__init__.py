"""Models of the packages app."""

from packages.models.collections import Collection, CollectionGroup, CollectionGroupRelation
from packages.models.groups import GroupACL, PackageGroup, PackageGroupRelation
from packages.models.notices import AdminNotice, LogEntry
from packages.models.package import BasePackage, Package, PackageQuerySet

__all__ = [
    "AdminNotice",
    "BasePackage",
    "Collection",
    "CollectionGroup",
    "CollectionGroupRelation",
    "GroupACL",
    "LogEntry",
    "Package",
    "PackageGroup",
    "PackageGroupRelation",
    "PackageQuerySet",
]

"""Package groups: creation, content, maintainers, renames and deletion, all audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction

from koschei_site.errors import ServiceError
from packages.models import BasePackage, GroupACL, LogEntry, PackageGroup, PackageGroupRelation
from packages.services.audit import log_entry
from packages.services.tracking import CHUNK, AnyUser, Progress
from packages.services.validation import NAME_RE, TEXT_MAX, check_username


def parse_full_name(full_name: str) -> tuple[str | None, str]:
    """Split ``ns/name`` or ``name`` into (namespace or None, name), validating both."""
    namespace, _, name = full_name.strip().rpartition("/")
    for part in (namespace, name) if namespace else (name,):
        if not NAME_RE.fullmatch(part) or len(part) > TEXT_MAX:
            raise ServiceError(f"Invalid group name: {full_name!r}")
    return namespace or None, name


def get_group(full_name: str) -> PackageGroup:
    """The group named ``ns/name`` or ``name``; ServiceError if there is none."""
    namespace, name = parse_full_name(full_name)
    try:
        return PackageGroup.objects.get(namespace=namespace, name=name)
    except PackageGroup.DoesNotExist:
        raise ServiceError(f"Group not found: {full_name}") from None


def _base_packages(names: Iterable[str]) -> list[BasePackage]:
    wanted = list(dict.fromkeys(n for n in names if n))
    for name in wanted:
        if not NAME_RE.fullmatch(name) or len(name) > TEXT_MAX:
            raise ServiceError(f"Invalid package name: {name!r}")
    found = list(BasePackage.objects.filter(name__in=wanted))
    missing = sorted(set(wanted) - {b.name for b in found})
    if missing:
        raise ServiceError(f"Packages don't exist: {','.join(missing)}")
    return found


@transaction.atomic
def create_group(
    *,
    full_name: str,
    user: AnyUser,
    environment: str,
    content: Iterable[str] | None = None,
    maintainers: Iterable[str] = (),
    progress: Progress | None = None,
) -> PackageGroup:
    """Create a group (``ns/name`` or global ``name``), optionally with content and owners."""
    namespace, name = parse_full_name(full_name)
    if PackageGroup.objects.filter(namespace=namespace, name=name).exists():
        raise ServiceError("Group already exists")
    group = PackageGroup.objects.create(namespace=namespace, name=name)
    log_entry(user=user, environment=environment, message=f"Group {group.full_name} created")
    if content is not None:
        set_group_content(
            group=group,
            names=content,
            append=False,
            user=user,
            environment=environment,
            progress=progress,
        )
    if maintainers:
        set_group_maintainers(
            group=group, usernames=maintainers, user=user, environment=environment
        )
    return group


@transaction.atomic
def set_group_content(
    *,
    group: PackageGroup,
    names: Iterable[str],
    append: bool,
    user: AnyUser,
    environment: str,
    progress: Progress | None = None,
) -> tuple[list[str], list[str]]:
    """Replace (or extend) a group's packages; returns (added, removed) names.

    Writes in bulk, one audit entry per added or removed package; ``progress`` is called
    with the number of packages handled after each chunk.
    """
    bases = _base_packages(names)
    if not bases and not append:
        raise ServiceError("Group content empty")
    current = {b.pk: b for b in group.members.all()}
    wanted = {b.pk: b for b in bases}
    added = [b for pk, b in wanted.items() if pk not in current]
    removed = [] if append else [b for pk, b in current.items() if pk not in wanted]
    PackageGroupRelation.objects.filter(group=group, base__in=removed).delete()
    user_id = user.pk if user is not None and user.is_authenticated else None
    changes = [(b, "added") for b in added] + [(b, "removed") for b in removed]
    for start in range(0, len(changes), CHUNK):
        chunk = changes[start : start + CHUNK]
        PackageGroupRelation.objects.bulk_create(
            [PackageGroupRelation(group=group, base=b) for b, verb in chunk if verb == "added"]
        )
        LogEntry.objects.bulk_create(
            LogEntry(
                user_id=user_id,
                environment=environment,
                base=base,
                message=f"Group {group.name} modified: package {base.name} {verb}",
            )
            for base, verb in chunk
        )
        if progress:
            progress(len(chunk))
    return sorted(b.name for b in added), sorted(b.name for b in removed)


@transaction.atomic
def set_membership(
    *, group: PackageGroup, base: BasePackage, member: bool, user: AnyUser, environment: str
) -> bool:
    """Add ``base`` to ``group`` or remove it; returns whether anything changed.

    A group may not lose its last package (delete the group instead).
    """
    group = PackageGroup.objects.select_for_update().get(pk=group.pk)
    present = PackageGroupRelation.objects.filter(group=group, base=base).exists()
    if present == member:
        return False
    if member:
        PackageGroupRelation.objects.create(group=group, base=base)
    else:
        if group.members.count() == 1:
            raise ServiceError(f"Group {group.full_name} would be empty; delete it instead")
        PackageGroupRelation.objects.filter(group=group, base=base).delete()
    verb = "added" if member else "removed"
    log_entry(
        user=user,
        environment=environment,
        base=base,
        message=f"Group {group.name} modified: package {base.name} {verb}",
    )
    return True


@transaction.atomic
def set_group_maintainers(
    *,
    group: PackageGroup,
    usernames: Iterable[str],
    user: AnyUser,
    environment: str,
    append: bool = False,
) -> tuple[list[str], list[str]]:
    """Replace (or extend) a group's maintainers, creating unknown users by name."""
    names = [check_username(n) for n in dict.fromkeys(n.strip() for n in usernames if n.strip())]
    if not names and not append:
        raise ServiceError("Group must have an owner")
    User = get_user_model()
    wanted = {n: User.objects.get_or_create(username=n)[0] for n in names}
    current = {acl.user.get_username(): acl for acl in group.groupacl_set.select_related("user")}
    added = [n for n in wanted if n not in current]
    removed = [] if append else [n for n in current if n not in wanted]
    GroupACL.objects.bulk_create([GroupACL(group=group, user=wanted[n]) for n in added])
    GroupACL.objects.filter(pk__in=[current[n].pk for n in removed]).delete()
    for name, verb in [(n, "added") for n in added] + [(n, "removed") for n in removed]:
        log_entry(
            user=user,
            environment=environment,
            message=f"Group {group.name} modified: maintainer {name} {verb}",
        )
    return added, removed


@transaction.atomic
def edit_group(
    *,
    group: PackageGroup,
    user: AnyUser,
    environment: str,
    new_name: str | None = None,
    new_namespace: str | None = None,
    make_global: bool = False,
    content: Iterable[str] | None = None,
    append: bool = False,
    progress: Progress | None = None,
) -> PackageGroup:
    """Rename, move between namespaces or make global, and/or set the content."""
    if make_global and new_namespace:
        raise ServiceError("--make-global and --new-namespace exclude each other")
    namespace = None if make_global else (new_namespace or group.namespace)
    name = new_name or group.name
    full = f"{namespace}/{name}" if namespace else name
    parse_full_name(full)
    if (namespace, name) != (group.namespace, group.name):
        if PackageGroup.objects.filter(namespace=namespace, name=name).exists():
            raise ServiceError("Group already exists")
        old = group.full_name
        group.namespace, group.name = namespace, name
        group.save(update_fields=["namespace", "name"])
        log_entry(
            user=user,
            environment=environment,
            message=f"Group {old} modified: renamed to {group.full_name}",
        )
    if content is not None:
        set_group_content(
            group=group,
            names=content,
            append=append,
            user=user,
            environment=environment,
            progress=progress,
        )
    return group


@transaction.atomic
def delete_group(*, group: PackageGroup, user: AnyUser, environment: str) -> None:
    """Delete a group with its memberships and maintainers; audited."""
    name = group.full_name
    group.delete()
    log_entry(user=user, environment=environment, message=f"Group {name} deleted")

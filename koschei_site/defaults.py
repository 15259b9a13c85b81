"""Every domain configuration key of upstream Koschei with its default (spec section 4).

Operators' existing config files are deep-merged over this dict; see koschei_site.config.
"""

from typing import Any

FEDORA_ASSETS = "https://apps.fedoraproject.org/global"

DEFAULTS: dict[str, Any] = {
    "database_config": {
        "drivername": "postgresql",
        "host": "localhost",
        "port": 5432,
        "database": "koschei",
        "username": "koschei",
        "password": "",
    },
    # A database URL; when set it wins over database_config (settings.py reads it).
    "db_url": None,
    "unpriv_db_username": None,
    "koji_config": {
        "server": "https://koji.fedoraproject.org/kojihub",
        "topurl": "https://kojipkgs.fedoraproject.org",
        "weburl": "https://koji.fedoraproject.org/koji",
        "srpm_relative_path_root": "..",
        "login_method": "logout",
        "login_args": {},
        "session_opts": {
            "anon_retry": True,
            "max_retries": 1000,
            "offline_retry": True,
            "offline_retry_interval": 120,
            "timeout": 3600,
        },
        # Not upstream: merged over session_opts for operator commands (manage.py), so an
        # unreachable or failing Koji ends a command after a few tries with a one-line
        # error instead of retrying for hours; workers keep session_opts (each failed
        # try is logged by the koji client on the "koji" logger).
        "command_session_opts": {"max_retries": 3, "retry_interval": 3, "offline_retry": False},
        "max_builds": 30,
        "build_arches": ["i386", "x86_64", "armhfp"],
        "build_opts": {},
        "load_threshold": 0.5,
        "task_priority": 30,
        "task_timeout": 172800,
        "multicall_chunk_size": 100,
        "build_from_repo_id": False,
    },
    "secondary_koji_config": {},
    "dependency": {
        "ignore_weak_deps": False,
        "persist_chunk_size": 150,
        "perf_report_interval": 60,
        "dependency_cache_capacity": 3000,
        "resolver_queue_size": 300,
        "cache_l2_capacity": 100,
        "resolve_for_arch": "x86_64",
        "repo_arch": "x86_64",
        # Not upstream: an incremental run's triage is split into one chunk per this many
        # packages (rounded up), at most one per worker; each chunk reads the repo change.
        "min_triage_share": 2000,
        # Not upstream: a new repo that lost more than this share of the binary packages
        # of the last repo resolved (0.5: more than half) is suspicious: recorded as the
        # collection's repo error and not resolved, so a broken repo never turns every
        # package unresolved.  1 accepts any shrink; an empty repo, or one with none of
        # the build group's packages, is suspicious whatever this says.
        "suspicious_repo_shrink": 0.5,
        # Not upstream: seconds after which the repo check enqueues again a resolution
        # chunk still open (its task was lost, e.g. with a killed worker host: Redis does
        # not deliver a task twice).  Longer than a chunk takes on a busy worker.
        "chunk_overdue_seconds": 900,
    },
    "priorities": {
        "newly_added": 3000,
        "build_threshold": 256,
        "package_update": 256,
        "failed_build_priority": 200,
        "t0": 6,
        "t1": 168,
    },
    "services": {
        "polling": {"interval": 1200},
        "scheduler": {
            "interval": 3,
            # Not upstream: False makes a passive instance (every service but the
            # scheduler: it polls, resolves and shows, and never submits a build).
            "enabled": True,
            # Not upstream: a decision tries at most this many packages over the threshold
            # (each costs Koji reads), so a Koji loaded on every arch ends it quickly.
            "max_candidates": 50,
            # Not upstream: seconds after which a submission claim is taken for the trace
            # of a scheduler that died between its decision and Koji's answer, and dropped.
            "claim_timeout": 3600,
        },
        "repo_resolver": {"interval": 3},
        "build_resolver": {"interval": 3},
        "watcher": {"watchdog": True},
        # Not upstream: when koschei-status reports a problem (DESIGN 13.5).
        "health": {
            "resolved_within": 6 * 3600,  # seconds since a collection's last resolved repo
            "schedule_missed_runs": 3,  # a schedule without success for this many intervals
            "max_failures_per_day": 20,  # failed django-q2 tasks in the last 24 hours
            # secondary mode: seconds a resolved secondary repo may wait for its primary repo
            "repo_mapped_within": 3600,
        },
    },
    # Not upstream (DESIGN 13.3): what keeps the scheduler from rebuilding a package in a
    # storm (builds.services.noise).  Times in seconds; a bound or count of 0 is off.
    "noise": {
        # a build Koji failed is retried after the base, doubled for each further one
        # in a row, at most the cap
        "infra_retry_base": 600,
        "infra_retry_cap": 6 * 3600,
        # after this many failed scratch builds in a row, the next one waits the base,
        # doubled for each further failure, at most the cap
        "failure_backoff_after": 3,
        "failure_backoff_base": 24 * 3600,
        "failure_backoff_cap": 7 * 24 * 3600,
        # scratch builds of one package started in any 24 hours (Koji's failures count)
        "max_builds_per_day": 6,
    },
    "plugins": [],
    "fedmsg": {
        "topic": "org.fedoraproject.prod.buildsys",
        "instance": "primary",
    },
    "fedmsg-publisher": {
        "enabled": False,
        "modname": "koschei",
    },
    "pagure": {
        "owner_alias_url": "https://src.fedoraproject.org/extras/pagure_owner_alias.json",
    },
    "copr": {},
    "caching": {
        "build_group": {"backend": "dogpile.cache.memory"},
        "koji_arches": {"backend": "dogpile.cache.memory", "expiration_time": 3600},
        "rpm_requires": {"backend": "dogpile.cache.dbm"},
        "pagure": {"users": {"backend": "dogpile.cache.dbm", "expiration_time": 600}},
    },
    "directories": {
        "cachedir": "/var/cache/koschei",
        "templates": None,
        "static_folder": None,
        "static_url": "/static/",
        "datadir": None,
    },
    "flask": {"SECRET_KEY": None},
    "frontend": {
        "external_url": None,
        "frontpage": "package_list",
        "frontpage_kwargs": {},
        "packages_per_page": 100,
        "builds_per_page": 15,
        "auth": {"user_re": "(.+)", "user_env": "REMOTE_USER"},
        "fedora_assets_url": FEDORA_ASSETS,
        "fedmenu_url": "https://apps.fedoraproject.org/fedmenu",
        "fedmenu_data_url": "https://apps.fedoraproject.org/js/data.js",
    },
    "bypass_login": None,
    # OpenID Connect login for maintainers (koschei_site/auth.py); off until configured.
    "oidc": {
        "client_id": None,
        "client_secret": None,
        "authorization_endpoint": None,
        "token_endpoint": None,
        "userinfo_endpoint": None,
        "jwks_endpoint": None,
        "sign_algo": "RS256",
        "scopes": "openid email profile",
        "username_claim": "preferred_username",
    },
    "links": [
        {"name": "Packages", "url": "https://packages.fedoraproject.org/pkgs/{package.name}"},
        {
            "name": "Bugzilla",
            "url": "https://bugzilla.redhat.com/buglist.cgi?product={package.collection."
            "bugzilla_product}&component={package.name}",
        },
        {
            "name": "Bodhi",
            "url": "https://bodhi.fedoraproject.org/updates/?packages={package.name}",
        },
        {"name": "Dist-git", "url": "https://src.fedoraproject.org/rpms/{package.name}"},
        {
            "name": "Koji",
            "url": "https://koji.fedoraproject.org/koji/packageinfo?packageID={package.name}",
        },
    ],
    "bugreport": {
        "url": "https://bugzilla.redhat.com/enter_bug.cgi?{query}",
        "template": {
            "product": "{collection.bugzilla_product}",
            "component": "{name}",
            "version": "{collection.bugzilla_version}",
            "short_desc": "{name}: FTBFS in {collection}",
            "bug_file_loc": "{url}",
            "comment": """
                Description of problem:
                Package {name} fails to build from source in {collection}.

                Version-Release number of selected component (if applicable):
                {version}-{release}

                Steps to Reproduce:
                koji build --scratch {collection.target} {name}-{version}-{release}.src.rpm

                Additional info:
                This package is tracked by Koschei. See:
                {url}""",
        },
    },
    "real_builds_insert_chunk": 50,
    "osci": {
        "namespace": "osci",
        "build_artifact_type": "koji-build",
        "build_group_artifact_type": "koji-build-group",
        "contact": {},
        "pipeline": {},
        "test": {},
    },
    "alembic": {"alembic_ini": None},
    "logging": {},
    "version": None,
}

# Keys accepted for compatibility with upstream configuration files that have no
# meaning in this implementation; `manage.py koschei-config` lists them as unused.
UNUSED_KEYS: tuple[str, ...] = (
    "alembic",
    "caching",
    "directories.templates",
    "directories.static_folder",
    "directories.datadir",
    "frontend.auth",
    "frontend.fedora_assets_url",
    "frontend.fedmenu_url",
    "frontend.fedmenu_data_url",
    "dependency.resolver_queue_size",
    "dependency.perf_report_interval",
    "plugins",
    "copr",
    "osci",
    "pagure",
    "version",
)

"""Configuration loading (DESIGN 5, spec 4): merge, files, components, environment, checks."""

from __future__ import annotations

import copy
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from koschei_site import config as config_module
from koschei_site.config import (
    ConfigError,
    apply_environment,
    component_for,
    config_paths,
    deep_merge,
    load_config,
    load_for_process,
    read_config_file,
    unused_keys,
)
from koschei_site.defaults import DEFAULTS

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# deep_merge


def test_nested_dicts_merge_key_by_key():
    base = {"koji_config": {"server": "a", "topurl": "b", "session_opts": {"timeout": 1}}}
    override = {"koji_config": {"topurl": "c", "session_opts": {"anon_retry": False}}}
    assert deep_merge(base, override) == {
        "koji_config": {
            "server": "a",
            "topurl": "c",
            "session_opts": {"timeout": 1, "anon_retry": False},
        }
    }


def test_lists_are_replaced_not_appended():
    merged = deep_merge({"arches": ["i386", "x86_64"]}, {"arches": ["aarch64"]})
    assert merged == {"arches": ["aarch64"]}


def test_a_scalar_replaces_a_dict_and_a_dict_replaces_a_scalar():
    assert deep_merge({"a": {"b": 1}}, {"a": None}) == {"a": None}
    assert deep_merge({"a": None}, {"a": {"b": 1}}) == {"a": {"b": 1}}


def test_unknown_keys_are_kept_at_every_level():
    merged = deep_merge({"a": {"b": 1}}, {"new": 1, "a": {"extra": 2}})
    assert merged == {"a": {"b": 1, "extra": 2}, "new": 1}


def test_merging_mutates_neither_input():
    base = {"a": {"b": [1, 2]}, "c": 1}
    override = {"a": {"d": {"e": [3]}}}
    base_before, override_before = copy.deepcopy(base), copy.deepcopy(override)
    merged = deep_merge(base, override)
    merged["a"]["b"].append(99)
    merged["a"]["d"]["e"].append(99)
    assert base == base_before
    assert override == override_before


# read_config_file


def test_a_config_file_assigns_a_dict_to_config(tmp_path):
    path = write(tmp_path / "c.cfg", "config = {'koji_config': {'max_builds': 2 * 5}}\n")
    assert read_config_file(path) == {"koji_config": {"max_builds": 10}}


def test_a_broken_config_file_raises_an_error_naming_the_file(tmp_path):
    path = write(tmp_path / "broken.cfg", "config = {'koji_config': \n")
    with pytest.raises(ConfigError, match=r"broken\.cfg.*SyntaxError"):
        read_config_file(path)


def test_a_config_file_failing_at_run_time_raises_an_error_naming_the_file(tmp_path):
    path = write(tmp_path / "fails.cfg", "config = {'a': undefined_name}\n")
    with pytest.raises(ConfigError, match=r"fails\.cfg.*NameError"):
        read_config_file(path)


def test_a_missing_config_file_raises_an_error_naming_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"cannot read .*absent\.cfg"):
        read_config_file(tmp_path / "absent.cfg")


def test_a_config_file_without_config_contributes_nothing(tmp_path):
    path = write(tmp_path / "empty.cfg", "# nothing configured here\nx = 1\n")
    assert read_config_file(path) == {}


@pytest.mark.parametrize("value", ["['a']", "'text'", "None", "42"])
def test_a_config_that_is_not_a_dict_is_refused(tmp_path, value):
    path = write(tmp_path / "list.cfg", f"config = {value}\n")
    with pytest.raises(ConfigError, match=r"list\.cfg must assign a dict"):
        read_config_file(path)


# config_paths and component_for


def test_koschei_config_lists_override_files_separated_by_colons(tmp_path):
    env = {"KOSCHEI_CONFIG": f"{tmp_path}/a.cfg:{tmp_path}/b.cfg::"}
    assert config_paths("admin", env) == [tmp_path / "a.cfg", tmp_path / "b.cfg"]


def test_an_empty_koschei_config_reads_no_files(tmp_path, monkeypatch):
    monkeypatch.setattr(config_module, "CONFIG_DIR", tmp_path)
    write(tmp_path / "config-admin.cfg", "config = {}\n")
    assert config_paths("admin", {"KOSCHEI_CONFIG": ""}) == []


@pytest.mark.parametrize(
    ("component", "names"),
    [
        ("frontend", ["config-frontend.cfg"]),
        ("backend", ["config-backend.cfg"]),
        ("admin", ["config-backend.cfg", "config-admin.cfg"]),
        ("something-else", ["config-backend.cfg", "config-admin.cfg"]),
    ],
)
def test_without_koschei_config_each_component_reads_its_upstream_files_in_order(
    tmp_path, monkeypatch, component, names
):
    monkeypatch.setattr(config_module, "CONFIG_DIR", tmp_path)
    for name in ("config-frontend.cfg", "config-backend.cfg", "config-admin.cfg"):
        write(tmp_path / name, "config = {}\n")
    assert config_paths(component, {}) == [tmp_path / name for name in names]


def test_upstream_files_that_do_not_exist_are_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(config_module, "CONFIG_DIR", tmp_path)
    write(tmp_path / "config-admin.cfg", "config = {}\n")
    assert config_paths("admin", {}) == [tmp_path / "config-admin.cfg"]
    assert config_paths("frontend", {}) == []


@pytest.mark.parametrize(
    ("argv", "env", "component"),
    [
        (["manage.py", "qcluster"], {}, "backend"),
        (["manage.py", "watch-messages"], {}, "backend"),
        (["manage.py", "runserver"], {}, "frontend"),
        (["manage.py", "add-pkg", "foo"], {}, "admin"),
        (["manage.py"], {}, "admin"),
        (["manage.py", "qcluster"], {"KOSCHEI_COMPONENT": "frontend"}, "frontend"),
        (["gunicorn"], {"KOSCHEI_COMPONENT": "frontend"}, "frontend"),
    ],
)
def test_the_component_comes_from_the_environment_or_the_command(argv, env, component):
    assert component_for(argv, env) == component


# load_config: files in order, secondary inheritance


def test_files_merge_over_the_defaults_in_order(tmp_path):
    first = write(tmp_path / "1.cfg", "config = {'koji_config': {'max_builds': 5}, 'x': 1}\n")
    second = write(tmp_path / "2.cfg", "config = {'koji_config': {'max_builds': 7}}\n")
    config = load_config([first, second])
    assert config["koji_config"]["max_builds"] == 7
    assert config["koji_config"]["task_priority"] == DEFAULTS["koji_config"]["task_priority"]
    assert config["x"] == 1


def test_loading_leaves_the_defaults_untouched(tmp_path):
    before = copy.deepcopy(DEFAULTS)
    path = write(tmp_path / "c.cfg", "config = {'koji_config': {'build_arches': ['s390x']}}\n")
    config = load_config([path])
    config["priorities"]["t0"] = 99
    assert before == DEFAULTS


def test_secondary_koji_config_inherits_every_key_of_koji_config(tmp_path):
    path = write(
        tmp_path / "c.cfg",
        "config = {'koji_config': {'server': 'https://primary/kojihub', 'max_builds': 3},"
        " 'secondary_koji_config': {'server': 'https://secondary/kojihub'}}\n",
    )
    config = load_config([path])
    secondary = config["secondary_koji_config"]
    assert secondary["server"] == "https://secondary/kojihub"
    assert secondary["max_builds"] == 3
    assert secondary["topurl"] == DEFAULTS["koji_config"]["topurl"]
    assert secondary["session_opts"] == DEFAULTS["koji_config"]["session_opts"]
    assert config["secondary_mode_configured"] is True


def test_without_a_secondary_section_the_secondary_config_is_the_primary_one():
    config = load_config([])
    assert config["secondary_koji_config"] == config["koji_config"]
    assert config["secondary_mode_configured"] is False


# apply_environment and load_for_process


def test_environment_variables_set_endpoints():
    config = load_config([])
    env = {
        "KOSCHEI_KOJI_HUB": "http://127.0.0.1:9/kojihub",
        "KOSCHEI_KOJI_TOPURL": "http://127.0.0.1:9/kojifiles",
        "KOSCHEI_EXTERNAL_URL": "https://koschei.example.org",
        "KOSCHEI_CACHEDIR": "/srv/cache",
    }
    result = apply_environment(config, env)
    assert result is config
    assert config["koji_config"]["server"] == "http://127.0.0.1:9/kojihub"
    assert config["koji_config"]["topurl"] == "http://127.0.0.1:9/kojifiles"
    assert config["koji_config"]["weburl"] == DEFAULTS["koji_config"]["weburl"]
    assert config["frontend"]["external_url"] == "https://koschei.example.org"
    assert config["directories"]["cachedir"] == "/srv/cache"


def test_empty_environment_variables_change_nothing():
    config = load_config([])
    apply_environment(config, {"KOSCHEI_KOJI_HUB": ""})
    assert config["koji_config"]["server"] == DEFAULTS["koji_config"]["server"]


def test_an_environment_variable_fills_a_section_a_file_set_to_none(tmp_path):
    path = write(tmp_path / "c.cfg", "config = {'frontend': None}\n")
    config = load_config([path], {"KOSCHEI_EXTERNAL_URL": "https://k.example.org"})
    assert config["frontend"] == {"external_url": "https://k.example.org"}


def test_the_environment_wins_over_files(tmp_path):
    path = write(tmp_path / "c.cfg", "config = {'koji_config': {'server': 'https://file/'}}\n")
    env = {"KOSCHEI_CONFIG": str(path), "KOSCHEI_KOJI_HUB": "https://env/kojihub"}
    config = load_for_process(["manage.py", "check"], env)
    assert config["koji_config"]["server"] == "https://env/kojihub"
    assert config["component"] == "admin"


def test_the_secondary_config_inherits_endpoints_set_in_the_environment():
    env = {"KOSCHEI_CONFIG": "", "KOSCHEI_KOJI_HUB": "http://127.0.0.1:9/kojihub"}
    config = load_for_process(["manage.py", "check"], env)
    assert config["secondary_koji_config"]["server"] == "http://127.0.0.1:9/kojihub"
    assert config["secondary_mode_configured"] is False


def test_a_secondary_hub_in_the_environment_configures_secondary_mode():
    env = {"KOSCHEI_CONFIG": "", "KOSCHEI_SECONDARY_KOJI_HUB": "https://secondary/kojihub"}
    config = load_for_process(["manage.py", "check"], env)
    assert config["secondary_koji_config"]["server"] == "https://secondary/kojihub"
    assert config["secondary_koji_config"]["topurl"] == DEFAULTS["koji_config"]["topurl"]
    assert config["koji_config"]["server"] == DEFAULTS["koji_config"]["server"]
    assert config["secondary_mode_configured"] is True


# unused_keys


def test_unused_keys_lists_unknown_top_level_keys_and_meaningless_ones(tmp_path):
    path = write(
        tmp_path / "c.cfg",
        "config = {'no_such_key': {'x': 1}, 'copr': {'max_builds': 3},"
        " 'koji_config': {'max_builds': 4}}\n",
    )
    unused = unused_keys(load_config([path]))
    assert "no_such_key.x" in unused
    assert "copr.max_builds" in unused
    assert "frontend.fedmenu_url" in unused
    assert unused == sorted(unused)


def test_unused_keys_leaves_out_meaningful_and_internal_keys(tmp_path):
    path = write(tmp_path / "c.cfg", "config = {'db_url': 'postgresql://k@db/koschei'}\n")
    config = load_for_process(["manage.py", "check"], {"KOSCHEI_CONFIG": str(path)})
    unused = unused_keys(config)
    for key in (
        "db_url",
        "koji_config.server",
        "priorities.t0",
        "component",
        "secondary_mode_configured",
        "secondary_koji_config.server",
        "frontend.packages_per_page",
        "database_config.host",
    ):
        assert key not in unused


# settings.py in production, in a subprocess (settings are read once per process)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("KOSCHEI_") and key != "DJANGO_SETTINGS_MODULE"
    }
    environment.update(
        {"DJANGO_SETTINGS_MODULE": "koschei_site.settings", "KOSCHEI_CONFIG": "", **env}
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("component", ["frontend", "backend"])
def test_the_web_and_the_workers_refuse_to_start_without_a_secret_key(component):
    result = manage(
        "check",
        KOSCHEI_DEBUG="0",
        KOSCHEI_ALLOWED_HOSTS="koschei.example.org",
        KOSCHEI_COMPONENT=component,
    )
    assert result.returncode != 0
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "KOSCHEI_SECRET_KEY" in message and component in message
    assert "Traceback" not in result.stderr + result.stdout


def test_operator_commands_run_in_production_without_a_web_secret():
    listed = manage("help", KOSCHEI_DEBUG="0")
    assert listed.returncode == 0, listed.stderr
    commands = set(listed.stdout.split())
    assert {"add-pkg", "create-collection", "resolve-repo", "check-repos"} <= commands
    checked = manage("check", KOSCHEI_DEBUG="0")
    assert checked.returncode == 0, checked.stderr


def test_production_web_refuses_to_start_without_allowed_hosts():
    result = manage(
        "check",
        KOSCHEI_DEBUG="0",
        KOSCHEI_SECRET_KEY=secrets.token_urlsafe(64),
        KOSCHEI_COMPONENT="frontend",
    )
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "KOSCHEI_ALLOWED_HOSTS" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_config_file_stops_manage_py_with_one_line_naming_it(tmp_path):
    path = write(tmp_path / "broken.cfg", "config = {\n")
    result = manage("check", KOSCHEI_DEBUG="1", KOSCHEI_CONFIG=str(path))
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr


def test_the_deployment_checks_find_no_issues_with_production_settings():
    secret = secrets.token_urlsafe(64)
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        KOSCHEI_DEBUG="0",
        KOSCHEI_SECRET_KEY=secret,
        KOSCHEI_ALLOWED_HOSTS="koschei.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert result.stderr == ""
    assert secret not in result.stdout

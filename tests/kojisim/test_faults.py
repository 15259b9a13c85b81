"""Injected faults as the real koji client experiences them."""

from __future__ import annotations

import time
import xmlrpc.client

import koji
import librepo
import pytest
import requests

FOO = "../packages/foo/1.0/1.fc42/src/foo-1.0-1.fc42.src.rpm"


@pytest.fixture
def server(kojisim_fresh):
    return kojisim_fresh


def test_latency_delays_matching_calls(server):
    server.sim("addFault", {"kind": "latency", "method": "getTag", "delay": 0.3})
    hub = server.session()
    started = time.monotonic()
    assert hub.getTag("f42")["name"] == "f42"
    assert time.monotonic() - started >= 0.25
    assert server.sim("listFaults") == []  # count defaults to 1


def test_lock_error_fault(server):
    server.sim(
        "addFault", {"kind": "fault", "method": "getTaskResult", "code": 1001, "string": "locked"}
    )
    with pytest.raises(koji.LockError, match="locked"):
        server.session().getTaskResult(1)


def test_raw_fault_with_code_1_is_not_a_koji_error(server):
    server.sim(
        "addFault", {"kind": "fault", "method": "getBuild", "code": 1, "string": "Traceback ..."}
    )
    with pytest.raises(xmlrpc.client.Fault) as info:
        server.session().getBuild("foo-1.0-1.fc42")
    assert info.value.faultCode == 1
    assert not isinstance(info.value, koji.GenericError)


def test_fault_inside_a_multicall_hits_only_that_call(server):
    server.sim("addFault", {"kind": "fault", "method": "getTag", "code": 1001, "count": 1})
    hub = server.session()
    with hub.multicall() as m:
        first = m.getTag("f42")
        second = m.getTag("f42-build")
        version = m.getAPIVersion()
    with pytest.raises(koji.LockError):
        _ = first.result
    assert second.result["name"] == "f42-build"
    assert version.result == koji.API_VERSION


def test_http_500_fails_anonymous_calls(server):
    server.sim("addFault", {"kind": "http500", "method": "getTag"})
    with pytest.raises(requests.exceptions.HTTPError, match="500"):
        server.session().getTag("f42")


def test_logged_in_clients_retry_after_http_500(server):
    hub = server.session("koschei")
    server.sim("addFault", {"kind": "http500", "method": "getTag", "count": 1})
    assert hub.getTag("f42")["name"] == "f42"


def test_one_dropped_connection_is_retried_by_the_client(server):
    server.sim("addFault", {"kind": "drop", "method": "getTag", "count": 1})
    assert server.session().getTag("f42")["name"] == "f42"


def test_repeated_dropped_connections_reach_the_caller(server):
    server.sim("addFault", {"kind": "drop", "method": "getTag", "count": 2})
    with pytest.raises(requests.exceptions.ConnectionError):
        server.session().getTag("f42")


def test_build_whose_reply_is_lost_exists_once_and_can_be_found(server):
    hub = server.session("koschei")
    server.sim("addFault", {"kind": "drop_after", "method": "build", "count": 1})
    # the call ran, the reply was lost, the client resent the same call number
    with pytest.raises(koji.RetryError):
        hub.build(FOO, "f42", {"scratch": True})
    me = hub.getLoggedInUser()["id"]
    tasks = hub.listTasks(opts={"method": "build", "owner": me, "decode": True})
    assert len(tasks) == 1
    assert tasks[0]["request"] == [FOO, "f42", {"scratch": True}]
    assert tasks[0]["state"] == koji.TASK_STATES["FREE"]


def test_read_only_call_whose_reply_is_lost_is_retried(server):
    hub = server.session("koschei")
    server.sim("addFault", {"kind": "drop_after", "method": "getTag", "count": 1})
    assert hub.getTag("f42")["name"] == "f42"


def test_multicall_faults_apply_to_the_whole_request_for_transport_kinds(server):
    server.sim("addFault", {"kind": "drop", "method": "getTaskInfo", "count": 2})
    hub = server.session()
    with pytest.raises(requests.exceptions.ConnectionError), hub.multicall() as m:
        m.getTaskInfo(1)


def test_fault_rules_can_be_listed_and_cleared(server):
    rule = server.sim("addFault", {"kind": "latency", "method": "*", "delay": 0.01, "count": -1})
    assert [f["id"] for f in server.sim("listFaults")] == [rule["id"]]
    assert server.sim("clearFaults") == 1
    assert server.sim("listFaults") == []
    with pytest.raises(koji.ParameterError, match="unknown fault kind"):
        server.sim("addFault", {"kind": "meteor"})


def test_a_rule_for_every_method_spares_the_simulators_own_calls(server):
    server.sim("addFault", {"kind": "drop", "method": "*", "count": -1})
    server.sim("addFault", {"kind": "http500", "method": "sim.tick", "count": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        server.session().getAPIVersion()
    with pytest.raises(requests.exceptions.HTTPError):
        server.sim("tick")  # a rule naming sim.* applies
    assert server.sim("clearFaults") == 2
    assert server.session().getAPIVersion() == koji.API_VERSION


def test_every_fired_fault_is_counted_by_kind_spent_or_cleared_rules_included(server):
    server.sim("addFault", {"kind": "fault", "method": "getTag", "count": 1})
    server.sim("addFault", {"kind": "latency", "method": "getTag", "delay": 0.01, "count": -1})
    hub = server.session()
    with pytest.raises(koji.LockError):
        hub.getTag("f42")
    hub.getTag("f42")
    server.sim("clearFaults")
    hub.getTag("f42")
    assert server.sim("status")["faults_fired"] == {"fault": 1, "latency": 2}


def _download(server, tmp_path):
    repo = server.session().getRepo("f42-build")
    handle = librepo.Handle()
    handle.urls = [f"{server.topurl}/repos/f42-build/{repo['id']}/x86_64"]
    handle.repotype = librepo.YUMREPO
    tmp_path.mkdir(parents=True, exist_ok=True)
    handle.destdir = str(tmp_path)
    handle.yumdlist = ["primary", "filelists", "group", "group_gz"]
    handle.checksum = True
    result = librepo.Result()
    handle.perform(result)
    return result


@pytest.mark.parametrize("kind", ["corrupt", "truncate"])
def test_damaged_repodata_downloads_fail_the_checksum(server, tmp_path, kind):
    # librepo retries a download that fails its checksum, so damage every copy
    server.sim("addFault", {"kind": kind, "path": "repos/*primary.xml.gz", "count": -1})
    with pytest.raises(librepo.LibrepoException):
        _download(server, tmp_path / "bad")
    server.sim("clearFaults")
    assert _download(server, tmp_path / "good").yum_repo["primary"]


def test_repodata_damaged_on_disk_stays_damaged(server, tmp_path):
    repo = server.session().getRepo("f42-build")
    path = server.sim("corruptRepodata", repo["id"], "x86_64", "filelists", "truncate")
    assert path.endswith("filelists.xml.gz")
    for attempt in ("first", "second"):
        with pytest.raises(librepo.LibrepoException):
            _download(server, tmp_path / attempt)


def test_http_500_on_files(server, tmp_path):
    server.sim("addFault", {"kind": "http500", "path": "repos/*repomd.xml", "count": 5})
    with pytest.raises(librepo.LibrepoException):
        _download(server, tmp_path)

"""Login sessions: credentials, call numbers (SequenceError, RetryError), expiry, logout."""

from __future__ import annotations

import koji
import pytest

SRPM = "../packages/foo/1.0/1.fc42/src/foo-1.0-1.fc42.src.rpm"


def test_login_and_logged_in_user(kojisim_fresh):
    session = kojisim_fresh.session("koschei")
    assert session.logged_in
    assert session.sinfo["header-auth"] is True
    me = session.getLoggedInUser()
    assert me["name"] == "koschei"
    assert me["authtype"] == koji.AUTHTYPES["NORMAL"]
    assert session.getUser()["name"] == "koschei"
    assert session.getPerms() == []
    session.logout()
    assert not session.logged_in


def test_bad_password_is_an_auth_error(kojisim_fresh):
    with pytest.raises(koji.AuthError, match="invalid username or password"):
        kojisim_fresh.session("koschei", "wrong")


def test_ssl_login_without_a_client_certificate_fails(kojisim_fresh):
    session = kojisim_fresh.session()
    with pytest.raises(koji.AuthError):
        session.callMethod("sslLogin")


def test_build_requires_login(kojisim_fresh):
    with pytest.raises(koji.ActionNotAllowed, match="must be logged in"):
        kojisim_fresh.session().build(SRPM, "f42", {"scratch": True})


def test_repeated_call_number_after_a_write_is_a_retry_error(kojisim_fresh):
    session = kojisim_fresh.session("koschei")
    session.build(SRPM, "f42", {"scratch": True})
    session.callnum -= 1  # replay the same call number, as a retry after a lost reply does
    with pytest.raises(koji.RetryError, match="unable to retry call"):
        session.build(SRPM, "f42", {"scratch": True})
    assert (
        len(session.listTasks(opts={"method": "build", "owner": session.getLoggedInUser()["id"]}))
        == 1
    )


def test_repeated_call_number_of_a_read_only_call_is_fine(kojisim_fresh):
    session = kojisim_fresh.session("koschei")
    session.getTag("f42")
    session.callnum -= 1
    assert session.getTag("f42")["name"] == "f42"


def test_older_call_number_is_a_sequence_error(kojisim_fresh):
    session = kojisim_fresh.session("koschei")
    session.build(SRPM, "f42", {"scratch": True})
    session.callnum -= 2
    with pytest.raises(koji.SequenceError):
        session.getTag("f42")


def test_session_arguments_in_the_query_string_work_like_headers(kojisim_fresh):
    session = kojisim_fresh.session("koschei")
    session.sinfo["header-auth"] = False  # what a pre-1.30 hub would have made the client do
    assert session.getLoggedInUser()["name"] == "koschei"
    session.build(SRPM, "f42", {"scratch": True})
    session.callnum -= 1
    with pytest.raises(koji.RetryError):
        session.build(SRPM, "f42", {"scratch": True})


def test_bad_session_key_is_an_auth_error(kojisim_fresh):
    session = kojisim_fresh.session("koschei")
    session.sinfo["session-key"] = "forged"
    with pytest.raises(koji.AuthError, match="Invalid session"):
        session.getLoggedInUser()


def test_expired_sessions_are_renewed_by_the_client(kojisim_fresh):
    session = kojisim_fresh.session("koschei")
    session_id = session.sinfo["session-id"]
    assert kojisim_fresh.sim("expireSessions", "koschei") == 1
    # the client sees AuthExpired, logs in again with renew=True and repeats the call
    assert session.getLoggedInUser()["name"] == "koschei"
    assert session.sinfo["session-id"] == session_id
    assert session.build(SRPM, "f42", {"scratch": True})


def test_expired_session_without_credentials_to_renew(kojisim_fresh):
    session = kojisim_fresh.session("koschei")
    kojisim_fresh.sim("expireSessions")
    session.opts["password"] = "wrong"
    with pytest.raises(koji.AuthError):
        session.getLoggedInUser()

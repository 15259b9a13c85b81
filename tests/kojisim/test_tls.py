"""HTTPS with client certificates: the koji client's ssl_login against kojisim."""

from __future__ import annotations

import koji


def test_ssl_login_with_a_client_certificate(kojisim_server, pki):
    extra = [
        "--tls-cert",
        str(pki["server"]),
        "--tls-key",
        str(pki["server_key"]),
        "--tls-ca",
        str(pki["ca"]),
    ]
    server = kojisim_server(None, speed=0.0, extra=extra, client_opts={"serverca": str(pki["ca"])})
    assert server.url.startswith("https://127.0.0.1:")
    session = server.session()
    assert session.getAPIVersion() == koji.API_VERSION
    assert session.ssl_login(cert=str(pki["client"]))
    me = session.getLoggedInUser()
    assert me["name"] == "koschei"
    assert me["authtype"] == koji.AUTHTYPES["SSL"]
    task_id = session.build(
        "../packages/foo/1.0/1.fc42/src/foo-1.0-1.fc42.src.rpm", "f42", {"scratch": True}
    )
    assert session.getTaskInfo(task_id)["owner"] == me["id"]

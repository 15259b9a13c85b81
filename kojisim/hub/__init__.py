"""The hub: the HTTP server, XML-RPC dispatch, method registry, sessions and the Koji methods."""

"""The XML-RPC hub: method registry, sessions, dispatch and the exported Koji methods."""

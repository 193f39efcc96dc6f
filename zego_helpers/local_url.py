"""The URL that reaches, from this machine, a server listening on ``host:port``.

A server bound to every interface (``0.0.0.0``, or ``""``) is reached at
``127.0.0.1``; one bound to every IPv6 interface (``::``) at ``::1``: Tornado binds
``::`` with IPV6_V6ONLY, so 127.0.0.1 would be refused. An IPv6 address goes in
brackets in a URL (RFC 3986, section 3.2.2).
"""

from __future__ import annotations

_EVERY_INTERFACE = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def local_url(host: str, port: int) -> str:
    """``http://<host>:<port>`` as this machine reaches it (no trailing slash)."""
    host = _EVERY_INTERFACE.get(host, host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"

"""``explain mcp``: paramsbot as a Model Context Protocol server, on the official ``mcp`` SDK.

Why it exists: editors, chat apps and agents reach local knowledge through MCP. This module
starts the server: it opens the index, and bot.protocol declares the tools and resources on the
SDK. stdout is the protocol on stdio, so everything else (build progress, warnings, the ready
line) goes to stderr.

Start-up is what a client waits for (bench/mcp_server.py): ~1 s of CPU, of which importing the
SDK is half. So this module does not import it (bot.cli imports this one before ``serve`` runs):
``serve`` opens the index, then imports bot.protocol with the cyclic garbage collector paused
(_collector_paused). Opening the index on a thread while the SDK imports gains nothing measurable:
both halves are Python holding the GIL, onnxruntime's session creation included.

Over HTTP the server binds to loopback unless ``--allow-remote`` is given, and always checks the
Host and Origin headers (the specification's defence against DNS rebinding: a web page must not
be able to reach a local server through the user's browser).
"""

from __future__ import annotations

import gc
import ipaddress
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import InputError, ParamsbotError

if TYPE_CHECKING:
    from mcp.server.transport_security import TransportSecuritySettings

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Endpoint:
    """Where the HTTP server listens."""

    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Endpoint:
        """``PORT``, ``HOST:PORT`` or ``[IPv6]:PORT``; loopback when no host is given."""
        host, _, port = text.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise InputError(f"--http takes [HOST:]PORT with a port from 1 to 65535, got {text!r}")
        return cls(host, int(port))

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/mcp"

    def security(self) -> TransportSecuritySettings:
        """Host and Origin checks: loopback names always, and this host's own names when remote."""
        from mcp.server.transport_security import TransportSecuritySettings

        names = {*LOOPBACK, self.host}
        if not self.loopback:
            names |= {socket.gethostname(), socket.getfqdn()}
        hosts = {f"[{n}]" if ":" in n else n for n in names}
        return TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=sorted({*hosts, *(f"{h}:*" for h in hosts)}),
            allowed_origins=sorted({f"{scheme}://{h}{port}" for h in hosts for scheme in ("http", "https")
                                    for port in ("", ":*")}),
        )


@dataclass(frozen=True)
class ServeOptions:
    """What ``explain mcp`` was asked for."""

    kb: Path | None = None
    cache_dir: Path | None = None
    http: str | None = None  # "[HOST:]PORT"; None: stdio
    allow_remote: bool = False


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block, then what it made is frozen (gc.freeze).

    Start-up makes ~120,000 long-lived objects (the SDK's pydantic protocol types above all), and
    the collector's passes over them while they are made cost ~0.1 s of a ~1 s start. Frozen, they
    stay out of every later collection too, so none while serving walks them again (a full pass
    over them takes ~0.15 s here). The price is the few thousand objects of start-up's own
    reference cycles, kept for the life of the server; an index build (which opening may do) peaks
    within 1% of the memory it takes with the collector running.
    """
    if not gc.isenabled():  # the caller has its own reasons
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def serve(options: ServeOptions) -> int:
    """Open the index (building it if needed, progress on stderr), then serve until EOF or SIGTERM."""
    from bot.exits import EXIT_INPUT
    from bot.oneshot import echo, exit_code, fail, open_retriever
    from bot.tools import Toolbox

    try:
        endpoint = Endpoint.parse(options.http) if options.http is not None else None
        if endpoint is not None and not endpoint.loopback and not options.allow_remote:
            raise InputError(f"--http {options.http} would accept connections from other machines; "
                             "add --allow-remote if that is what you want")
    except ParamsbotError as error:
        return fail(str(error), exit_code(error))
    with _collector_paused():
        try:
            retriever = open_retriever(options.kb, options.cache_dir)
            toolbox = Toolbox(retriever, allow_files=endpoint is None)
            toolbox.search("parameters", k=1)  # load the model and the BM25 and heading caches now
        except ParamsbotError as error:
            return fail(str(error), exit_code(error))
        from bot.protocol import build_server  # the SDK: ~0.5 s of imports, its pydantic types above all

        server = build_server(toolbox)
    signal.signal(signal.SIGTERM, _stop)
    where = "stdio" if endpoint is None else endpoint.url
    echo(f"paramsbot: MCP server ready on {where} ({len(retriever.passages)} passages from "
         f"{retriever.kb_root})", err=True)
    try:
        if endpoint is None:
            server.run("stdio")
        else:
            server.run("streamable-http", host=endpoint.host, port=endpoint.port,
                       transport_security=endpoint.security())
    except (KeyboardInterrupt, SystemExit):
        pass
    except OSError as error:  # the port is taken, or the address is not this machine's
        return fail(f"cannot listen on {options.http}: {error.strerror or error}", EXIT_INPUT)
    return 0


def _stop(signum: int, frame: object) -> None:
    """SIGTERM ends the server as Ctrl+C does: no traceback, exit status 0."""
    sys.stderr.flush()
    raise KeyboardInterrupt

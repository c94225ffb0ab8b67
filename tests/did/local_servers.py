"""Local servers for the outbound-fetch tests: a test CA, HTTPS documents, and hosts that misbehave.

Everything listens on 127.0.0.1 on a free port and runs in daemon threads; ``stop`` ends every
connection. Servers count connections and requests so that tests can tell whether a fetch went
out at all. The CA is generated per test session with ``cryptography`` (nothing checked in).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from did import Ed25519KeyPair, single_key_document
from tests.guards import finishes

HANG = 20.0  # a call still running after this long is hung: a deadline did not hold


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class TestCA:
    """A throwaway certificate authority; ``pem`` is what the service is told to trust."""

    __test__ = False  # not a test class

    def __init__(self, directory: Path, name: str = "livecred test CA") -> None:
        self.directory = directory
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        public = self._key.public_key()
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        self.pem = directory / f"{name.replace(' ', '-')}.pem"
        self.pem.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, dns_name: str) -> Certificate:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        ca_ski = self._cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(dns_name))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        stem = self.directory / f"{dns_name}-{cert.serial_number:x}"
        cert_path, key_path = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return Certificate(cert_path, key_path)


Handler = Callable[[socket.socket, "LocalServer"], None]


class LocalServer:
    """Accepts on 127.0.0.1 and runs ``handler(connection, server)`` per connection in a thread."""

    def __init__(self, handler: Handler, *, tls: ssl.SSLContext | None = None) -> None:
        self._handler = handler
        self._tls = tls
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self.connections = 0
        self.requests = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        # A client that gives up (timeout, refused certificate) is the expected case, not an error.
        with contextlib.suppress(OSError), connection:
            connection.settimeout(30)
            if self._tls is None:
                self._handler(connection, self)
                return
            with self._tls.wrap_socket(connection, server_side=True) as secure:
                self._handler(secure, self)

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def stop(self) -> None:
        self.stopping.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)


@contextlib.contextmanager
def serving(handler: Handler, *, tls: ssl.SSLContext | None = None) -> Iterator[LocalServer]:
    server = LocalServer(handler, tls=tls)
    try:
        yield server
    finally:
        server.stop()


def read_request_path(connection: socket.socket) -> str:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            raise ConnectionResetError("the client closed before sending a request")
        data += chunk
        if len(data) > 65536:
            raise ConnectionResetError("request head too large")
    return data.split(b" ", 2)[1].decode("ascii")


def documents(routes: Mapping[str, bytes], *, missing: int = 404) -> Handler:
    """Serves ``routes`` (path -> body) with 200, anything else with ``missing``; one request each."""

    def handle(connection: socket.socket, server: LocalServer) -> None:
        path = read_request_path(connection)
        server.count_request()
        body = routes.get(path)
        status, body = (200, body) if body is not None else (missing, b"")
        head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        connection.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)

    return handle


def answer(status: int, body: bytes = b"", headers: str = "") -> Handler:
    """Answers every request the same way."""

    def handle(connection: socket.socket, server: LocalServer) -> None:
        read_request_path(connection)
        server.count_request()
        head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{headers}Connection: close\r\n\r\n"
        connection.sendall(head.encode() + body)

    return handle


def drip(prefix: bytes, byte: bytes, *, interval: float = 1.0, read_first: bool = True) -> Handler:
    """Sends ``prefix``, then ``byte`` every ``interval`` seconds until the client or the test gives up."""

    def handle(connection: socket.socket, server: LocalServer) -> None:
        if read_first:
            read_request_path(connection)
            server.count_request()
        connection.sendall(prefix)
        while not server.stopping.wait(interval):
            connection.sendall(byte)

    return handle


def silent(connection: socket.socket, server: LocalServer) -> None:
    """Accepts and never answers."""
    server.stopping.wait(60)


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    return port


def did_web(port: int, *path: str) -> str:
    return ":".join([f"did:web:localhost%3A{port}", *path])


def document_for(did: str, key: Ed25519KeyPair | None = None) -> bytes:
    public = (key or Ed25519KeyPair.generate()).public_key
    return json.dumps(single_key_document(did, public).to_json()).encode()


def outcome(call: Callable[[], object]) -> Any:
    """Run ``call`` in a thread that must finish within HANG seconds: its result or its exception."""
    return finishes(call, within=HANG)

"""An HTTPS proxy on loopback that answers for the hosts it is told of, as a hospital's
TLS-inspecting proxy does: ``CONNECT login.botframework.com:443`` is accepted, TLS is ended
here with a certificate for that host signed by a test authority, and each request inside is
answered from a loopback server (the path kept).

It is how a client that takes its address from a constant rather than a setting (the Agents
SDK's key client fetches ``https://login.botframework.com/v1/.well-known/keys``) is exercised
for real: the process is given ``HTTPS_PROXY`` and ``SSL_CERT_FILE`` (and
``REQUESTS_CA_BUNDLE``, which ``requests``, and so MSAL, reads instead), as an operator behind
such a proxy would give it, and nothing in the client is changed. So is MSAL's sign-in at
``login.microsoftonline.com``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _authority_and_leaf(hosts: list[str]) -> tuple[bytes, bytes, bytes]:
    """(authority certificate, leaf certificate, leaf key), PEM: a test authority, and a
    certificate it signed for ``hosts``."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("CareNudge test authority"))
        .issuer_name(_name("CareNudge test authority"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return (
        ca.public_bytes(pem),
        leaf.public_bytes(pem),
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )


@dataclass
class FakeHttpsProxy:
    """``answers``: host -> the loopback base URL whose answers it gives, path and all.
    ``authority`` is the PEM file to trust (``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``); ``url``
    the proxy's address (``HTTPS_PROXY``). ``tunnels`` counts the CONNECTs, by host."""

    answers: dict[str, str]
    tunnels: dict[str, int] = field(default_factory=dict)
    _folder: tempfile.TemporaryDirectory[str] | None = None
    _server: asyncio.Server | None = None
    _tls: ssl.SSLContext | None = None
    _session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="carenudge-proxy-")
        folder = Path(self._folder.name)
        ca, leaf, key = _authority_and_leaf(list(self.answers))
        (folder / "authority.pem").write_bytes(ca)
        (folder / "leaf.pem").write_bytes(leaf + ca)
        (folder / "leaf.key").write_bytes(key)
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._tls.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
        self._session = aiohttp.ClientSession()
        self._server = await asyncio.start_server(self._tunnel, "127.0.0.1", 0)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._session is not None:
            await self._session.close()
        if self._folder is not None:
            self._folder.cleanup()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    @property
    def authority(self) -> str:
        assert self._folder is not None
        return str(Path(self._folder.name) / "authority.pem")

    async def _tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            try:
                method, target, _ = (await reader.readline()).decode().split(" ", 2)
                while (await reader.readline()) not in (b"\r\n", b""):
                    pass
                host = target.rsplit(":", 1)[0]
                if method != "CONNECT" or host not in self.answers:
                    writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                    return
                self.tunnels[host] = self.tunnels.get(host, 0) + 1
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                await writer.drain()
                assert self._tls is not None
                await writer.start_tls(self._tls)
                await self._answer(self.answers[host], reader, writer)
            finally:
                writer.close()

    async def _answer(
        self, base: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """One request in the tunnel, answered from ``base`` (the path kept): a GET, or a
        request with a body (MSAL's form, the Bot Connector's JSON), sent on with its
        ``Content-Type`` and ``Authorization``."""
        request = (await reader.readline()).decode()
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        method, path, _ = request.split(" ", 2)
        passed = {
            name: headers[name.lower()]
            for name in ("Content-Type", "Authorization")
            if name.lower() in headers
        }
        assert self._session is not None
        async with self._session.request(
            method, base.rstrip("/") + path, data=body or None, headers=passed
        ) as upstream:
            body = await upstream.read()
            kind = upstream.headers.get("Content-Type", "application/json")
            status = f"{upstream.status} {upstream.reason}"
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()

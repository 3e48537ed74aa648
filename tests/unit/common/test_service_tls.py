"""mTLS between services from the CODEINTERP_TLS_* settings: a backend built by build_server with
a certificate, key and CA accepts only clients presenting a certificate signed by that CA (and
the service token on top); the gateway's client-facing server serves TLS without client certs.
Certificates are generated here (cryptography), the handshakes are real (grpc.aio on loopback)."""

from __future__ import annotations

import datetime
import ipaddress

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc

from codeinterp_common.clients import channel_credentials, insecure_channel
from codeinterp_common.config import ConfigError, ServerSettings
from codeinterp_common.server import build_server, server_credentials

OVERRIDE = [("grpc.ssl_target_name_override", "backend.test")]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key, issuer_name: str, issuer_key, *, ca: bool = False) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("backend.test"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write(directory, name: str, key, cert) -> tuple[str, str]:
    k, c = directory / f"{name}.key", directory / f"{name}.crt"
    k.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(k), str(c)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    ca_key, rogue_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("codeinterp-ca", ca_key, "codeinterp-ca", ca_key, ca=True)
    rogue_ca = _cert("rogue-ca", rogue_key, "rogue-ca", rogue_key, ca=True)
    (d / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (d / "rogue-ca.crt").write_bytes(rogue_ca.public_bytes(serialization.Encoding.PEM))
    out = {"ca": str(d / "ca.crt"), "rogue_ca": str(d / "rogue-ca.crt")}
    for name, _issuer, ikey, iname in (
        ("server", ca, ca_key, "codeinterp-ca"),
        ("client", ca, ca_key, "codeinterp-ca"),
        ("rogue", rogue_ca, rogue_key, "rogue-ca"),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        out[name] = _write(d, name, key, _cert(f"{name}.test", key, iname, ikey))
    return out


def _settings(pki, who: str, *, token: str = "tok", ca: str | None = None) -> ServerSettings:
    key, cert = pki[who]
    return ServerSettings(
        host="127.0.0.1",
        grpc_port=0,
        service_token=token,
        tls_cert_file=cert,
        tls_key_file=key,
        tls_ca_file=ca or pki["ca"],
        shutdown_grace_s=0.2,
    )


async def _check(channel) -> grpc.StatusCode:
    try:
        await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=3)
        return grpc.StatusCode.OK
    except grpc.aio.AioRpcError as err:
        return err.code()
    finally:
        await channel.close()


async def test_backend_requires_a_client_certificate_from_the_ca(pki):
    running = await build_server(_settings(pki, "server"), [], domain="t", port=0)
    await running.set_serving(True)
    target = f"127.0.0.1:{running.port}"
    try:
        ok = insecure_channel(
            target, credentials=channel_credentials(_settings(pki, "client")), extra=OVERRIDE
        )
        assert await _check(ok) == grpc.StatusCode.OK
        assert await _check(grpc.aio.insecure_channel(target)) == grpc.StatusCode.UNAVAILABLE  # plaintext
        anonymous_tls = grpc.ssl_channel_credentials(open(pki["ca"], "rb").read())  # no client certificate
        assert (
            await _check(grpc.aio.secure_channel(target, anonymous_tls, options=OVERRIDE))
            == grpc.StatusCode.UNAVAILABLE
        )
        rogue = channel_credentials(_settings(pki, "rogue"))  # client cert from another CA
        assert (
            await _check(insecure_channel(target, credentials=rogue, extra=OVERRIDE))
            == grpc.StatusCode.UNAVAILABLE
        )
    finally:
        await running.shutdown(0)


async def test_client_facing_server_serves_tls_without_client_certificates(pki):
    from codeinterp_common.auth import ServiceAuthInterceptor

    # Any explicit auth interceptor marks the gateway's client-facing server.
    running = await build_server(
        _settings(pki, "server"), [], domain="t", port=0, auth_interceptor=ServiceAuthInterceptor("")
    )
    await running.set_serving(True)
    try:
        creds = grpc.ssl_channel_credentials(open(pki["ca"], "rb").read())
        channel = grpc.aio.secure_channel(f"127.0.0.1:{running.port}", creds, options=OVERRIDE)
        assert await _check(channel) == grpc.StatusCode.OK
    finally:
        await running.shutdown(0)


def test_credentials_builders(pki, tmp_path):
    assert server_credentials(ServerSettings()) is None and channel_credentials(ServerSettings()) is None
    with pytest.raises(ConfigError):
        server_credentials(ServerSettings(tls_cert_file=pki["server"][1]))  # key missing
    with pytest.raises(ConfigError):
        server_credentials(
            ServerSettings(tls_cert_file=str(tmp_path / "nope.crt"), tls_key_file=pki["server"][0])
        )

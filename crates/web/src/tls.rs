//! HTTPS for the console: the certificate chain and key read from PEM files
//! (rustls, with the ring backend reqwest already compiles), each connection's
//! handshake done on its own task so a slow client holds up no other, and
//! every `Set-Cookie` marked `Secure`.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::SET_COOKIE;
use axum::middleware::Next;
use axum::response::Response;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::WebError;

/// How long a client has to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the console's certificate chain and private key are (PEM files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, the server's own certificate first.
    pub certificate: PathBuf,
    /// The private key of the certificate (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Why the certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file could not be read or holds no certificate.
    #[error("the console's TLS certificate {}: {reason}", path.display())]
    Certificate {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The key file could not be read or holds no private key.
    #[error("the console's TLS key {}: {reason}", path.display())]
    Key {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The certificate and key were read but cannot serve together.
    #[error("the console's TLS certificate {} and key {}: {reason}", certificate.display(), key.display())]
    Config {
        /// The certificate file.
        certificate: PathBuf,
        /// The key file.
        key: PathBuf,
        /// Why.
        reason: String,
    },
}

/// A certificate and key ready to serve with. Its `Debug` shows neither.
#[derive(Clone)]
pub struct Tls {
    config: Arc<ServerConfig>,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tls { .. }")
    }
}

impl TlsFiles {
    /// Reads the certificate chain and the key, and checks they go together.
    ///
    /// # Errors
    ///
    /// When a file cannot be read, holds no certificate or key in PEM, or
    /// the key is not the certificate's; the error names the file.
    pub fn load(&self) -> Result<Tls, TlsError> {
        let certificate = |reason: String| TlsError::Certificate {
            path: self.certificate.clone(),
            reason,
        };
        let key = |reason: String| TlsError::Key {
            path: self.key.clone(),
            reason,
        };
        let chain = CertificateDer::pem_slice_iter(&read(&self.certificate).map_err(certificate)?)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| certificate(format!("not PEM: {error}")))?;
        if chain.is_empty() {
            return Err(certificate(
                "no certificate in it: it should hold \"-----BEGIN CERTIFICATE-----\" blocks"
                    .to_owned(),
            ));
        }
        let private = PrivateKeyDer::from_pem_slice(&read(&self.key).map_err(key)?).map_err(|error| {
            key(format!(
                "no private key in it ({error}): it should hold a \"-----BEGIN PRIVATE KEY-----\" block"
            ))
        })?;
        let mut config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .and_then(|builder| {
                    builder
                        .with_no_client_auth()
                        .with_single_cert(chain, private)
                })
                .map_err(|error| TlsError::Config {
                    certificate: self.certificate.clone(),
                    key: self.key.clone(),
                    reason: error.to_string(),
                })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            config: Arc::new(config),
        })
    }
}

/// The bytes of `path`, or why not.
fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|error| format!("cannot be read: {error}"))
}

/// Serves `router` over HTTPS on `listener` until the process ends; every
/// cookie it sets is marked `Secure`.
///
/// # Errors
///
/// When serving fails.
pub async fn serve_tls(listener: TcpListener, router: Router, tls: Tls) -> Result<(), WebError> {
    let local = listener.local_addr().map_err(|source| WebError::Serve {
        address: "?".to_owned(),
        source,
    })?;
    let listener = TlsListener {
        tcp: listener,
        acceptor: TlsAcceptor::from(tls.config),
        handshakes: JoinSet::new(),
        local,
    };
    let router = router.layer(axum::middleware::from_fn(secure_cookies));
    axum::serve(listener, router)
        .await
        .map_err(|source| WebError::Serve {
            address: local.to_string(),
            source,
        })
}

/// Accepts TCP connections and hands over those whose handshake succeeded.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
    local: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let acceptor = self.acceptor.clone();
                        self.handshakes.spawn(handshake(acceptor, stream, peer));
                    }
                    Err(error) => accept_failed(error).await,
                },
                Some(done) = self.handshakes.join_next() => {
                    if let Ok(Some(connection)) = done {
                        return connection;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// The TLS handshake with `peer`, or `None` (logged) when it fails or takes
/// too long: a plain-HTTP client, a client that does not trust the
/// certificate, or one that never finishes.
async fn handshake(
    acceptor: TlsAcceptor,
    stream: TcpStream,
    peer: SocketAddr,
) -> Option<(TlsStream<TcpStream>, SocketAddr)> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => Some((tls, peer)),
        Ok(Err(error)) => {
            tracing::debug!(%peer, %error, "a TLS handshake with the console failed");
            None
        }
        Err(_) => {
            tracing::debug!(%peer, "a TLS handshake with the console took too long");
            None
        }
    }
}

/// A failed `accept`: a connection that went away is nothing; anything else
/// (e.g. too many open files) is logged and waited out for a second, as
/// `axum::serve` does.
async fn accept_failed(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::warn!(%error, "the console could not accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Marks every `Set-Cookie` of the answer `Secure`: served over HTTPS, the
/// browser then never sends the session cookie over plain HTTP.
async fn secure_cookies(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let cookies: Vec<HeaderValue> = headers.get_all(SET_COOKIE).iter().cloned().collect();
    if cookies.is_empty() {
        return response;
    }
    headers.remove(SET_COOKIE);
    for cookie in cookies {
        let secure = cookie
            .to_str()
            .ok()
            .filter(|text| {
                !text
                    .split(';')
                    .any(|part| part.trim().eq_ignore_ascii_case("secure"))
            })
            .and_then(|text| HeaderValue::from_str(&format!("{text}; Secure")).ok())
            .unwrap_or(cookie);
        headers.append(SET_COOKIE, secure);
    }
    response
}

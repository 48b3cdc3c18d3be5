//! TLS for the front: a certificate and key from PEM files, or one made
//! here and signed by itself. rustls on ring, the one crypto provider of
//! the workspace.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use sha2::{Digest, Sha256};

/// Where a self-signed certificate and its key are kept inside a data
/// directory, so the fingerprint a client was told stays true.
pub const SELF_SIGNED_DIR: &str = "tls";
pub const CERT_FILE: &str = "cert.pem";
pub const KEY_FILE: &str = "key.pem";

/// A server certificate with its key, ready to accept connections.
#[derive(Clone)]
pub struct Tls {
    config: Arc<rustls::ServerConfig>,
    fingerprint: String,
    certificate_pem: String,
}

impl std::fmt::Debug for Tls {
    // The key never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// What [`Tls::self_signed_in`] found or made.
#[derive(Debug)]
pub struct SelfSigned {
    pub tls: Tls,
    /// The certificate's file: what a client trusts with `--ca-file`.
    pub cert_file: PathBuf,
    /// Whether a new certificate was made (none was kept, or the one kept
    /// did not name every address asked for).
    pub made: bool,
}

impl Tls {
    /// The certificate chain in `cert` (leaf first) and the private key in
    /// `key`, both PEM files.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Tls, String> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
        };
        Tls::from_pem(&read(cert)?, &read(key)?).map_err(|e| {
            format!(
                "{e} (certificate {}, key {})",
                cert.display(),
                key.display()
            )
        })
    }

    /// A certificate chain and a private key, both PEM.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Tls, String> {
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("the certificate file is not PEM: {e}"))?;
        if chain.is_empty() {
            return Err("the certificate file holds no CERTIFICATE block".to_owned());
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| match e {
            rustls::pki_types::pem::Error::NoItemsFound => {
                "the key file holds no PRIVATE KEY block".to_owned()
            }
            e => format!("the key file is not a PEM private key: {e}"),
        })?;
        let fingerprint = fingerprint(&chain[0]);
        let certificate_pem = chain.iter().map(|c| pem("CERTIFICATE", c)).collect();
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot set up TLS: {e}"))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| format!("the certificate and key cannot serve TLS: {e}"))?;
        // The front speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            config: Arc::new(config),
            fingerprint,
            certificate_pem,
        })
    }

    /// A new certificate for `names` (host names or IP addresses) signed
    /// by its own new key, kept in memory only.
    pub fn self_signed(names: &[String]) -> Result<Tls, String> {
        let (cert, key) = make_self_signed(names)?;
        Tls::from_pem(cert.as_bytes(), key.as_bytes())
    }

    /// The self-signed certificate kept in `dir/tls/`, if it names every
    /// one of `names`; else a new one, written there (the key with mode
    /// 0600) and used from now on.
    pub fn self_signed_in(dir: &Path, names: &[String]) -> Result<SelfSigned, String> {
        let tls_dir = dir.join(SELF_SIGNED_DIR);
        let cert_file = tls_dir.join(CERT_FILE);
        let key_file = tls_dir.join(KEY_FILE);
        if cert_file.is_file() && key_file.is_file() {
            let tls = Tls::from_pem_files(&cert_file, &key_file)?;
            let missing = tls.missing_names(names)?;
            if missing.is_empty() {
                return Ok(SelfSigned {
                    tls,
                    cert_file,
                    made: false,
                });
            }
            tracing::warn!(
                "the self-signed certificate in {} does not name {}; making a new one, whose \
                 fingerprint clients must learn again",
                tls_dir.display(),
                missing.join(", ")
            );
        }
        let (cert, key) = make_self_signed(names)?;
        let tls = Tls::from_pem(cert.as_bytes(), key.as_bytes())?;
        std::fs::create_dir_all(&tls_dir)
            .map_err(|e| format!("cannot create {}: {e}", tls_dir.display()))?;
        // The key first: a certificate without its key would be kept.
        sysman_api::credentials::write_private(&key_file, key.as_bytes())?;
        std::fs::write(&cert_file, cert.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", cert_file.display()))?;
        Ok(SelfSigned {
            tls,
            cert_file,
            made: true,
        })
    }

    /// The SHA-256 fingerprint of the leaf certificate, as `AB:CD:...`
    /// (the form `openssl x509 -fingerprint -sha256` prints).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The certificate chain as PEM: what a client may trust.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.clone())
    }

    /// Those of `names` the leaf certificate is not valid for.
    fn missing_names(&self, names: &[String]) -> Result<Vec<String>, String> {
        let der = CertificateDer::pem_slice_iter(self.certificate_pem.as_bytes())
            .next()
            .and_then(Result::ok)
            .ok_or("the certificate kept cannot be read again")?;
        let cert = webpki::EndEntityCert::try_from(&der)
            .map_err(|e| format!("the certificate kept is not valid: {e}"))?;
        Ok(names
            .iter()
            .filter(|name| {
                ServerName::try_from(name.as_str())
                    .map(|n| cert.verify_is_valid_for_subject_name(&n).is_err())
                    .unwrap_or(true)
            })
            .cloned()
            .collect())
    }
}

/// ring, the workspace's one provider: aws-lc-rs (rustls' default, with
/// post-quantum key exchange, hence ring's deprecation) costs a C build
/// far longer than ring's. Key exchange is X25519 or the NIST curves.
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A certificate for `names` and its key, both PEM.
fn make_self_signed(names: &[String]) -> Result<(String, String), String> {
    let failed = |e: rcgen::Error| format!("cannot make a self-signed certificate: {e}");
    let mut params = rcgen::CertificateParams::new(names.to_vec()).map_err(failed)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "sysman (self-signed)");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate().map_err(failed)?;
    let cert = params.self_signed(&key).map_err(failed)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn fingerprint(cert: &CertificateDer<'_>) -> String {
    let digest = Sha256::digest(cert.as_ref());
    let hex: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
    hex.join(":")
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["localhost".into(), "127.0.0.1".into()]
    }

    #[test]
    fn a_self_signed_certificate_is_kept_and_its_fingerprint_stays() {
        let dir = tempfile::tempdir().unwrap();
        let first = Tls::self_signed_in(dir.path(), &names()).unwrap();
        assert!(first.made);
        let again = Tls::self_signed_in(dir.path(), &names()).unwrap();
        assert!(!again.made);
        assert_eq!(first.tls.fingerprint(), again.tls.fingerprint());
        assert_eq!(first.tls.fingerprint().len(), 32 * 3 - 1);
        let kept = std::fs::read_to_string(&again.cert_file).unwrap();
        assert_eq!(kept, again.tls.certificate_pem());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let key = dir.path().join(SELF_SIGNED_DIR).join(KEY_FILE);
            let mode = std::fs::metadata(key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Asked to serve a name the kept one lacks, it makes a new one.
        let mut more = names();
        more.push("sysman.example".into());
        let other = Tls::self_signed_in(dir.path(), &more).unwrap();
        assert!(other.made);
        assert_ne!(other.tls.fingerprint(), first.tls.fingerprint());
    }

    #[test]
    fn bad_pem_is_refused_with_a_reason() {
        let (cert, key) = make_self_signed(&names()).unwrap();
        assert!(Tls::from_pem(cert.as_bytes(), key.as_bytes()).is_ok());
        let e = Tls::from_pem(b"nothing", key.as_bytes()).unwrap_err();
        assert!(e.contains("no CERTIFICATE"), "{e}");
        let e = Tls::from_pem(cert.as_bytes(), cert.as_bytes()).unwrap_err();
        assert!(e.contains("no PRIVATE KEY"), "{e}");
        // A key that is not the certificate's.
        let (_, other_key) = make_self_signed(&names()).unwrap();
        let e = Tls::from_pem(cert.as_bytes(), other_key.as_bytes()).unwrap_err();
        assert!(e.contains("cannot serve TLS"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let e =
            Tls::from_pem_files(&dir.path().join("c.pem"), &dir.path().join("k.pem")).unwrap_err();
        assert!(e.contains("cannot read") && e.contains("c.pem"), "{e}");
    }
}

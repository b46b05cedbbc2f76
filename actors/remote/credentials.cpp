#include "actors/remote/credentials.hpp"

#include "core/base/error.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

namespace murmur {

namespace {

template <class T, void (*Free)(T*)>
struct freer {
  void operator()(T* p) const { Free(p); }
};

using bio_ptr = std::unique_ptr<BIO, freer<BIO, BIO_free_all>>;
using x509_ptr = std::unique_ptr<X509, freer<X509, X509_free>>;
using key_ptr = std::unique_ptr<EVP_PKEY, freer<EVP_PKEY, EVP_PKEY_free>>;
using store_ptr =
  std::unique_ptr<X509_STORE, freer<X509_STORE, X509_STORE_free>>;
using store_ctx_ptr =
  std::unique_ptr<X509_STORE_CTX, freer<X509_STORE_CTX, X509_STORE_CTX_free>>;

void x509_stack_free(STACK_OF(X509) * s) {
  sk_X509_pop_free(s, X509_free);
}
using chain_ptr =
  std::unique_ptr<STACK_OF(X509), freer<STACK_OF(X509), x509_stack_free>>;

/// OpenSSL's reason for the last failure, e.g. "no start line".
std::string openssl_reason() {
  auto code = ERR_peek_last_error();
  auto* why = code ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return why ? why : "unreadable";
}

bio_ptr open_file(const std::string& field, const std::string& file) {
  bio_ptr in{BIO_new_file(file.c_str(), "r")};
  if (!in)
    throw input_error(field + ": " + file + ": cannot open it (" +
                      openssl_reason() + ")");
  return in;
}

/// The first certificate of `file` (the leaf) and the ones after it (its
/// intermediates), as CAF's SSL_CTX_use_certificate_chain_file reads them.
std::pair<x509_ptr, chain_ptr> read_chain(const std::string& field,
                                          const std::string& file) {
  auto in = open_file(field, file);
  x509_ptr leaf{PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr)};
  if (!leaf)
    throw input_error(field + ": " + file + ": not a PEM certificate (" +
                      openssl_reason() + "); give the node's certificate");
  chain_ptr rest{sk_X509_new_null()};
  while (auto* next = PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr))
    sk_X509_push(rest.get(), next);
  ERR_clear_error(); // the end of the file reads as an error
  return {std::move(leaf), std::move(rest)};
}

key_ptr read_key(const std::string& field, const std::string& file) {
  auto in = open_file(field, file);
  key_ptr key{PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr)};
  if (!key)
    throw input_error(field + ": " + file +
                      ": not an unencrypted PEM private "
                      "key (" +
                      openssl_reason() + ")");
  return key;
}

store_ptr read_ca(const std::string& field, const std::string& file) {
  open_file(field, file); // a missing file gets its own message
  store_ptr store{X509_STORE_new()};
  if (X509_STORE_load_locations(store.get(), file.c_str(), nullptr) != 1)
    throw input_error(field + ": " + file + ": no PEM CA certificate in it (" +
                      openssl_reason() + ")");
  return store;
}

} // namespace

void check_credentials(const hosts_section& h, const std::string& prefix) {
  if (h.insecure)
    return;
  auto cert_field = prefix + "certificate";
  auto [cert, chain] = read_chain(cert_field, h.certificate);
  auto key = read_key(prefix + "key", h.key);
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    throw input_error(prefix + "key: " + h.key + " is not the private key of " +
                      h.certificate +
                      "; give the key the certificate was made for");
  }
  auto store = read_ca(prefix + "cafile", h.cafile);
  store_ctx_ptr ctx{X509_STORE_CTX_new()};
  if (X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), chain.get()) !=
        1 ||
      X509_verify_cert(ctx.get()) != 1) {
    auto why =
      X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    ERR_clear_error();
    throw input_error(cert_field + ": " + h.certificate +
                      " does not verify against the CA in " + h.cafile + " (" +
                      why + "); sign it with that CA");
  }
}

} // namespace murmur

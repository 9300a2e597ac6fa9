// A throw-away self-signed certificate (P-256, CA:TRUE, SAN = the given DNS name and IP) for the
// https tests of the Chronik client against the test server.
#pragma once

#include <string>

namespace lotus::chronik::test {

struct SelfSignedCert {
  std::string cert_pem;
  std::string key_pem;
};
SelfSignedCert make_self_signed_cert(const std::string& dns_name = "localhost", const std::string& ip = "127.0.0.1");

}  // namespace lotus::chronik::test

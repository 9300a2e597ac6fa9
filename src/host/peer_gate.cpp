#include "host/peer_gate.hpp"

namespace lotus::host {

const char* to_string(AdmissionPoint p) noexcept {
  switch (p) {
    case AdmissionPoint::inbound_ip: return "inbound_ip";
    case AdmissionPoint::connection_peer: return "connection_peer";
    case AdmissionPoint::outbound_dial: return "outbound_dial";
    case AdmissionPoint::inbound_stream: return "inbound_stream";
  }
  return "unknown";
}

}  // namespace lotus::host

// DNS messages (RFC 1035 §4, AAAA from RFC 3596, TXT from RFC 1035 §3.3.14): a strict,
// bounded encoder and parser. Sans-IO: bytes in, a Message or a specific errc out.
//
// Parser rules (every violation is an errc, never a crash or an unbounded allocation):
//  * the whole message must be consumed exactly (no trailing bytes), at most Limits::max_message;
//  * names: labels 1..63 octets of printable ASCII other than '.', total wire length <= 255;
//    compression pointers (RFC 1035 §4.1.4) must point strictly backwards, before the start
//    of the run of labels that led to them, so they cannot loop; 0x40/0x80 label types are
//    rejected;
//  * at most Limits::max_records resource records over the three sections;
//  * A rdata is 4 octets, AAAA 16, TXT a sequence of <len><bytes> strings filling the rdata,
//    CNAME a name; other types are kept as raw rdata.
// The encoder writes names uncompressed (queries and the test server's answers are small).
//
// Not done: EDNS(0) OPT records are kept as raw records (type 41) but not interpreted; no
// DNSSEC; no other record types decoded.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"

namespace lotus::proto::dns {

enum class errc {
  truncated = 1,      // message ends inside a header, name, record or rdata
  trailing_data,      // bytes left after the counted sections
  message_too_large,  // longer than Limits::max_message (or 65535 when encoding)
  label_too_long,     // a label longer than 63 octets
  name_too_long,      // a name longer than 255 octets on the wire
  bad_label,          // empty label, a '.' or a non-printable octet, or a 0x40/0x80 label type
  bad_pointer,        // compression pointer not pointing strictly backwards
  too_many_records,   // more records than Limits::max_records
  bad_rdata,          // A/AAAA of the wrong size, TXT strings overrunning their rdata, bad CNAME
  not_a_response,     // check_response: QR bit clear or opcode not QUERY
  id_mismatch,        // check_response: transaction id differs
  question_mismatch,  // check_response: the response does not echo our question
  name_error,         // check_response: NXDOMAIN (rcode 3)
  server_failure,     // check_response: any other non-zero rcode (SERVFAIL, REFUSED, …)
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

namespace type {
inline constexpr std::uint16_t a = 1, cname = 5, txt = 16, aaaa = 28, opt = 41;
}
inline constexpr std::uint16_t kClassIn = 1;
inline constexpr std::size_t kMaxName = 255;
inline constexpr std::size_t kMaxLabel = 63;

struct Question {
  std::string name;  // dotted, without a trailing dot ("" is the root)
  std::uint16_t type = type::a;
  std::uint16_t qclass = kClassIn;
  friend bool operator==(const Question&, const Question&) = default;
};

struct Record {
  std::string name;
  std::uint16_t type = 0;
  std::uint16_t rclass = kClassIn;
  std::uint32_t ttl = 0;
  Bytes rdata;                    // raw rdata (as received; names inside may be compressed)
  std::vector<std::string> txt;   // TXT: the character-strings
  std::string target;             // CNAME: the canonical name
  // A/AAAA: the address bytes (4 or 16 of them used).
  std::array<std::uint8_t, 16> address{};
  friend bool operator==(const Record&, const Record&) = default;
};

struct Message {
  std::uint16_t id = 0;
  bool response = false;
  std::uint8_t opcode = 0;
  bool authoritative = false;
  bool truncated = false;  // TC: the answer did not fit (retry over TCP)
  bool recursion_desired = true;
  bool recursion_available = false;
  std::uint8_t rcode = 0;
  std::vector<Question> questions;
  std::vector<Record> answers;
  std::vector<Record> authorities;
  std::vector<Record> additionals;
};

struct Limits {
  std::size_t max_message = 65535;
  std::size_t max_records = 512;
};

Result<Message> parse(BytesView wire, const Limits& limits = {});
// Encodes the message (uncompressed names). For records, rdata is built from txt / target /
// address for TXT / CNAME / A / AAAA, and taken from `rdata` for other types.
Result<Bytes> encode(const Message& m);
// A standard recursive query with one question.
Result<Bytes> encode_query(std::uint16_t id, std::string_view name, std::uint16_t qtype);
// Checks that `resp` answers the query (id, QR, opcode, echoed question, rcode).
Status check_response(const Message& resp, std::uint16_t id, const Question& q);
// Case-insensitive name comparison, ignoring one trailing dot on either side.
bool same_name(std::string_view a, std::string_view b);

}  // namespace lotus::proto::dns

LOTUS_ERRC_ENUM(lotus::proto::dns::errc)

// DNS message encoder and parser (see message.hpp).
#include "proto/dns/message.hpp"

#include <algorithm>
#include <cctype>

namespace lotus::proto::dns {

const std::error_category& category() noexcept {
  static const TableCategory cat(
      "dns",
      {{static_cast<int>(errc::truncated), "message truncated"},
       {static_cast<int>(errc::trailing_data), "bytes after the last record"},
       {static_cast<int>(errc::message_too_large), "message larger than the limit"},
       {static_cast<int>(errc::label_too_long), "label longer than 63 octets"},
       {static_cast<int>(errc::name_too_long), "name longer than 255 octets"},
       {static_cast<int>(errc::bad_label), "empty, non-printable or unsupported label"},
       {static_cast<int>(errc::bad_pointer), "compression pointer does not point backwards"},
       {static_cast<int>(errc::too_many_records), "too many resource records"},
       {static_cast<int>(errc::bad_rdata), "malformed record data"},
       {static_cast<int>(errc::not_a_response), "not a response to a standard query"},
       {static_cast<int>(errc::id_mismatch), "response id does not match the query"},
       {static_cast<int>(errc::question_mismatch), "response does not echo the question"},
       {static_cast<int>(errc::name_error), "name does not exist (NXDOMAIN)"},
       {static_cast<int>(errc::server_failure), "server failed or refused the query"}});
  return cat;
}

namespace {

constexpr std::size_t kHeader = 12;

bool label_char_ok(std::uint8_t c) { return c > 0x20 && c < 0x7f && c != '.'; }

class Reader {
 public:
  explicit Reader(BytesView wire) : m_wire(wire) {}

  std::size_t pos() const { return m_pos; }
  bool done() const { return m_pos == m_wire.size(); }

  Result<std::uint16_t> u16() {
    if (m_wire.size() - m_pos < 2) return errc::truncated;
    const auto v = static_cast<std::uint16_t>((m_wire[m_pos] << 8) | m_wire[m_pos + 1]);
    m_pos += 2;
    return v;
  }
  Result<std::uint32_t> u32() {
    LOTUS_TRY(hi, u16());
    LOTUS_TRY(lo, u16());
    return (static_cast<std::uint32_t>(hi) << 16) | lo;
  }
  Result<BytesView> take(std::size_t n) {
    if (m_wire.size() - m_pos < n) return errc::truncated;
    auto v = m_wire.subspan(m_pos, n);
    m_pos += n;
    return v;
  }

  // A (possibly compressed) name at the current position; the position moves past it.
  Result<std::string> name() {
    LOTUS_TRY(n, name_at(m_pos, &m_pos));
    return n;
  }

  // A name at `at`; *end gets the position after the name's in-place part.
  Result<std::string> name_at(std::size_t at, std::size_t* end) const {
    std::string out;
    std::size_t wire_len = 1;  // the terminating zero octet
    std::size_t p = at;
    std::size_t run_start = at;  // where the labels read since the last jump began
    bool jumped = false;
    // Every pointer must point before the start of the run of labels that led to it, so run
    // starts strictly decrease with each jump: no loops, at most `at` jumps.
    while (true) {
      if (p >= m_wire.size()) return errc::truncated;
      const std::uint8_t len = m_wire[p];
      if ((len & 0xC0) == 0xC0) {
        if (p + 1 >= m_wire.size()) return errc::truncated;
        const std::size_t target = (static_cast<std::size_t>(len & 0x3F) << 8) | m_wire[p + 1];
        if (target >= run_start) return errc::bad_pointer;
        run_start = target;
        if (!jumped) *end = p + 2;
        jumped = true;
        p = target;
        continue;
      }
      if ((len & 0xC0) != 0) return errc::bad_label;  // 0x40 / 0x80: extended/obsolete types
      if (len == 0) {
        if (!jumped) *end = p + 1;
        return out;
      }
      if (m_wire.size() - p - 1 < len) return errc::truncated;
      wire_len += 1 + len;
      if (wire_len > kMaxName) return errc::name_too_long;
      if (!out.empty()) out.push_back('.');
      for (std::size_t i = 0; i < len; ++i) {
        const auto c = m_wire[p + 1 + i];
        if (!label_char_ok(c)) return errc::bad_label;
        out.push_back(static_cast<char>(c));
      }
      p += 1 + len;
    }
  }

 private:
  BytesView m_wire;
  std::size_t m_pos = 0;
};

Status decode_rdata(const Reader& r, BytesView wire, std::size_t rdata_at, Record& rec) {
  const BytesView rd = wire.subspan(rdata_at, rec.rdata.size());
  switch (rec.type) {
    case type::a:
      if (rd.size() != 4) return errc::bad_rdata;
      std::copy(rd.begin(), rd.end(), rec.address.begin());
      return Status{};
    case type::aaaa:
      if (rd.size() != 16) return errc::bad_rdata;
      std::copy(rd.begin(), rd.end(), rec.address.begin());
      return Status{};
    case type::txt: {
      std::size_t p = 0;
      if (rd.empty()) return errc::bad_rdata;  // at least one (possibly empty) string
      while (p < rd.size()) {
        const std::size_t len = rd[p];
        if (rd.size() - p - 1 < len) return errc::bad_rdata;
        rec.txt.emplace_back(reinterpret_cast<const char*>(rd.data() + p + 1), len);
        p += 1 + len;
      }
      return Status{};
    }
    case type::cname: {
      std::size_t end = 0;
      auto n = r.name_at(rdata_at, &end);
      if (!n) return n.error() == errc::truncated ? std::error_code(errc::bad_rdata) : n.error();
      if (end != rdata_at + rd.size()) return errc::bad_rdata;  // the name must fill the rdata
      rec.target = std::move(*n);
      return Status{};
    }
    default:
      return Status{};
  }
}

Result<Record> read_record(Reader& r, BytesView wire) {
  Record rec;
  LOTUS_TRY(name, r.name());
  rec.name = std::move(name);
  LOTUS_TRY(t, r.u16());
  LOTUS_TRY(c, r.u16());
  LOTUS_TRY(ttl, r.u32());
  LOTUS_TRY(rdlen, r.u16());
  rec.type = t;
  rec.rclass = c;
  rec.ttl = ttl;
  const std::size_t at = r.pos();
  LOTUS_TRY(rd, r.take(rdlen));
  rec.rdata.assign(rd.begin(), rd.end());
  LOTUS_CHECK(decode_rdata(r, wire, at, rec));
  return rec;
}

// ---- encoding

void put16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put32(Bytes& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v));
}

Status put_name(Bytes& out, std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::size_t wire_len = 1;
  while (!name.empty()) {
    const auto dot = name.find('.');
    const auto label = name.substr(0, dot);
    if (label.empty()) return errc::bad_label;
    if (label.size() > kMaxLabel) return errc::label_too_long;
    wire_len += 1 + label.size();
    if (wire_len > kMaxName) return errc::name_too_long;
    for (char ch : label)
      if (!label_char_ok(static_cast<std::uint8_t>(ch))) return errc::bad_label;
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  out.push_back(0);
  return Status{};
}

Status put_record(Bytes& out, const Record& rec) {
  LOTUS_CHECK(put_name(out, rec.name));
  put16(out, rec.type);
  put16(out, rec.rclass);
  put32(out, rec.ttl);
  Bytes rd;
  switch (rec.type) {
    case type::a:
      rd.assign(rec.address.begin(), rec.address.begin() + 4);
      break;
    case type::aaaa:
      rd.assign(rec.address.begin(), rec.address.end());
      break;
    case type::txt:
      if (rec.txt.empty()) return errc::bad_rdata;
      for (const auto& s : rec.txt) {
        if (s.size() > 255) return errc::bad_rdata;
        rd.push_back(static_cast<std::uint8_t>(s.size()));
        rd.insert(rd.end(), s.begin(), s.end());
      }
      break;
    case type::cname:
      LOTUS_CHECK(put_name(rd, rec.target));
      break;
    default:
      rd = rec.rdata;
  }
  if (rd.size() > 0xFFFF) return errc::message_too_large;
  put16(out, static_cast<std::uint16_t>(rd.size()));
  out.insert(out.end(), rd.begin(), rd.end());
  return Status{};
}

}  // namespace

Result<Message> parse(BytesView wire, const Limits& limits) {
  if (wire.size() > limits.max_message) return errc::message_too_large;
  if (wire.size() < kHeader) return errc::truncated;
  Reader r(wire);
  Message m;
  LOTUS_TRY(id, r.u16());
  LOTUS_TRY(flags, r.u16());
  LOTUS_TRY(qd, r.u16());
  LOTUS_TRY(an, r.u16());
  LOTUS_TRY(ns, r.u16());
  LOTUS_TRY(ar, r.u16());
  m.id = id;
  m.response = (flags & 0x8000) != 0;
  m.opcode = static_cast<std::uint8_t>((flags >> 11) & 0xF);
  m.authoritative = (flags & 0x0400) != 0;
  m.truncated = (flags & 0x0200) != 0;
  m.recursion_desired = (flags & 0x0100) != 0;
  m.recursion_available = (flags & 0x0080) != 0;
  m.rcode = static_cast<std::uint8_t>(flags & 0xF);
  // Sections grow one parsed entry at a time (no reservation from the counts): a count larger
  // than what the message holds ends in errc::truncated.
  if (static_cast<std::size_t>(an) + ns + ar > limits.max_records) return errc::too_many_records;
  if (qd > limits.max_records) return errc::too_many_records;
  for (unsigned i = 0; i < qd; ++i) {
    Question q;
    LOTUS_TRY(name, r.name());
    LOTUS_TRY(t, r.u16());
    LOTUS_TRY(c, r.u16());
    q.name = std::move(name);
    q.type = t;
    q.qclass = c;
    m.questions.push_back(std::move(q));
  }
  const std::array<std::pair<unsigned, std::vector<Record>*>, 3> sections{
      {{an, &m.answers}, {ns, &m.authorities}, {ar, &m.additionals}}};
  for (auto [count, out] : sections) {
    for (unsigned i = 0; i < count; ++i) {
      LOTUS_TRY(rec, read_record(r, wire));
      out->push_back(std::move(rec));
    }
  }
  if (!r.done()) return errc::trailing_data;
  return m;
}

Result<Bytes> encode(const Message& m) {
  Bytes out;
  put16(out, m.id);
  std::uint16_t flags = 0;
  if (m.response) flags |= 0x8000;
  flags |= static_cast<std::uint16_t>((m.opcode & 0xF) << 11);
  if (m.authoritative) flags |= 0x0400;
  if (m.truncated) flags |= 0x0200;
  if (m.recursion_desired) flags |= 0x0100;
  if (m.recursion_available) flags |= 0x0080;
  flags |= static_cast<std::uint16_t>(m.rcode & 0xF);
  put16(out, flags);
  const std::array<std::size_t, 4> counts{m.questions.size(), m.answers.size(), m.authorities.size(),
                                          m.additionals.size()};
  for (auto n : counts) {
    if (n > 0xFFFF) return errc::too_many_records;
    put16(out, static_cast<std::uint16_t>(n));
  }
  for (const auto& q : m.questions) {
    LOTUS_CHECK(put_name(out, q.name));
    put16(out, q.type);
    put16(out, q.qclass);
  }
  for (const auto* section : {&m.answers, &m.authorities, &m.additionals})
    for (const auto& rec : *section) LOTUS_CHECK(put_record(out, rec));
  if (out.size() > 0xFFFF) return errc::message_too_large;
  return out;
}

Result<Bytes> encode_query(std::uint16_t id, std::string_view name, std::uint16_t qtype) {
  Message m;
  m.id = id;
  m.recursion_desired = true;
  m.questions.push_back(Question{std::string(name), qtype, kClassIn});
  return encode(m);
}

bool same_name(std::string_view a, std::string_view b) {
  if (!a.empty() && a.back() == '.') a.remove_suffix(1);
  if (!b.empty() && b.back() == '.') b.remove_suffix(1);
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

Status check_response(const Message& resp, std::uint16_t id, const Question& q) {
  if (!resp.response || resp.opcode != 0) return errc::not_a_response;
  if (resp.id != id) return errc::id_mismatch;
  if (resp.questions.size() != 1 || !same_name(resp.questions[0].name, q.name) ||
      resp.questions[0].type != q.type || resp.questions[0].qclass != q.qclass)
    return errc::question_mismatch;
  if (resp.rcode == 3) return errc::name_error;
  if (resp.rcode != 0) return errc::server_failure;
  return Status{};
}

}  // namespace lotus::proto::dns

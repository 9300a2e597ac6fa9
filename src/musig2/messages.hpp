// The MuSig2 P2P messages of the Lotus SDK reference (lotus-wire.md §8.2–§8.7; the reference is
// lotus-sdk lib/p2p/musig2/serialization.ts, validation.ts, types.ts): the field encodings and
// every payload as a C++ struct, built into a coordinator::json::Value in the reference's key
// order (so json::stringify gives the bytes a TypeScript node sends and signs), and parsed +
// validated from a json::Value into the struct with a specific wire_errc. Sans-IO: no clock,
// no network; the clock-dependent checks (timestamp window, expiry) belong to the session layer.
//
// Field encodings (serialization.ts) and where we refuse what the reference accepts:
//   point / public key   66 lower-case hex chars, 02/03 prefix, x < p, on the curve. Upper-case
//                        hex is accepted on input (the reference accepts it) and written
//                        lower-case. REFUSED although the reference accepts: x >= p (the
//                        reference reduces it mod p, vector de-point-x-ge-p) → point_x_out_of_range;
//                        65-byte uncompressed public keys (the reference keeps them; nothing in
//                        the protocol can sign over them: every hash input is P33) →
//                        uncompressed_public_key.
//   public nonce         {"R1": point, "R2": point}.
//   scalar (partialSig)  written as 64 hex chars (32 bytes big-endian, zero-padded). Read: 2..64
//                        hex chars, left-padded to 32 bytes, must be < n. The reference reads any
//                        length (an odd trailing nibble dropped, leading zeros ignored) and does
//                        not range-check; its writer keeps only the LOW 32 bytes of a larger
//                        value (vector bn-33-bytes-truncated) — we never produce such a value.
//   message              hex of the bytes. REFUSED: odd length (the reference drops the last
//                        nibble, vectors de-message-odd / de-bn-odd-length) → odd_length_hex.
//                        In payloads the message must be exactly 32 bytes (a message of another
//                        length gives unverifiable signatures upstream, §12.1 item 9).
//   hex in general       "" and "0x…" and non-hex characters → invalid_hex (as the reference).
//
// Payload validation = validation.ts (object payload; required strings non-empty; numbers
// finite) plus ours: integers where the reference means integers (indices, sequence numbers,
// timestamps, amounts: 0 <= v <= 2^53 − 1), indices < the signer count, fixed-form ids
// (session id 16 / request id 64 lower-case hex), lengths of strings and arrays bounded,
// points on the curve, signatures 64 bytes with r < p and s < n, known transaction types and
// election methods, no duplicate signer keys, and cross-field consistency (the creator is one
// of the required signers and its participation is for index/key/peer it claims).
// On failure the parsers can report the offending field's name (`bad_field`), like the
// reference's "<field> must be …" messages.
//
// Unknown members are ignored on input (as the reference ignores them); build() always emits
// the reference's members in its order. The free-form `metadata` objects are kept verbatim.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "coordinator/json.hpp"
#include "musig2/election.hpp"

namespace lotus::musig2 {

enum class wire_errc {
  not_an_object = 1,        // the payload (or a nested object) is not a JSON object
  missing_field,            // a required member is absent (null is present: wrong_type)
  wrong_type,               // a member has the wrong JSON type
  empty_string,             // a required string is empty
  string_too_long,          // a string is longer than its bound
  not_an_integer,           // a number that must be an integer in [0, 2^53 − 1] is not
  out_of_range,             // an integer outside its allowed range (e.g. index >= signer count)
  invalid_hex,              // empty, "0x"-prefixed or non-hex characters
  odd_length_hex,           // hex with an odd number of digits (the reference drops a nibble)
  invalid_length,           // wrong byte length (point 33, scalar <= 32, message 32, signature 64)
  invalid_point_prefix,     // a point whose first byte is not 0x02/0x03
  point_x_out_of_range,     // a point with x >= p (the reference reduces it; we refuse)
  point_not_on_curve,       // no curve point has that x
  uncompressed_public_key,  // 65-byte public key (the reference accepts it; we refuse)
  scalar_out_of_range,      // a partial signature >= n
  invalid_signature,        // a 64-byte signature with r >= p or s >= n
  too_many_items,           // an array longer than its bound
  too_few_signers,          // a signer list that is empty
  duplicate_signer,         // the same public key twice in one signer list
  signers_not_sorted,       // a session announcement whose signers are not in sorted order
  invalid_id,               // session id / request id not in its fixed lower-case hex form
  unknown_transaction_type, // criteria.transactionTypes holds a value outside §8.3's list
  invalid_amount_range,     // criteria.minAmount > criteria.maxAmount
  unknown_election_method,  // election.electionMethod is not one of the four
  inconsistent,             // fields that contradict each other (creator not a signer, …)
  invalid_code,             // validation-error code other than "VALIDATION_ERROR"
};
const std::error_category& wire_category() noexcept;
inline std::error_code make_error_code(wire_errc e) noexcept { return {static_cast<int>(e), wire_category()}; }

}  // namespace lotus::musig2

LOTUS_ERRC_ENUM(lotus::musig2::wire_errc)

namespace lotus::musig2 {

namespace json = coordinator::json;
// Points travel as validated 33-byte compressed keys (PublicKey from election.hpp): every
// deserialize_* below checks prefix, range and curve membership before filling one.
struct PublicNonce {
  PublicKey r1{};
  PublicKey r2{};
  bool operator==(const PublicNonce&) const = default;
};
using Bytes32 = std::array<std::uint8_t, 32>;
using Signature64 = std::array<std::uint8_t, 64>;

// Bounds (ours; the reference has none beyond the 100 000-byte stream cap).
// Signer lists in requests and sessions: at most 255, so that the session announcement's one-byte
// creatorIndex and requiredSigners (§8.9) never wrap.
inline constexpr std::size_t kMaxWireSigners = 255;
inline constexpr std::size_t kMaxPeerIdChars = 128;
inline constexpr std::size_t kMaxMultiaddrs = 32;
inline constexpr std::size_t kMaxMultiaddrChars = 1024;
inline constexpr std::size_t kMaxReasonChars = 1024;          // abort reason, error text
inline constexpr std::size_t kMaxSequenceNumber = (std::size_t{1} << 53) - 1;
inline constexpr std::int64_t kMaxSafeInteger = (std::int64_t{1} << 53) - 1;

// MuSig2MessageType (lib/p2p/musig2/types.ts): the P2PMessage `type` strings, protocol "musig2".
inline constexpr std::string_view kProtocolName = "musig2";
namespace msg_type {
inline constexpr std::string_view signer_advertisement = "musig2:signer-advertisement";
inline constexpr std::string_view signer_unavailable = "musig2:signer-unavailable";
inline constexpr std::string_view signing_request = "musig2:signing-request";
inline constexpr std::string_view participant_joined = "musig2:participant-joined";
inline constexpr std::string_view session_ready = "musig2:session-ready";
inline constexpr std::string_view session_join = "musig2:session-join";
inline constexpr std::string_view nonce_commit = "musig2:nonce-commit";
inline constexpr std::string_view nonce_share = "musig2:nonce-share";
inline constexpr std::string_view partial_sig_share = "musig2:partial-sig-share";
inline constexpr std::string_view session_abort = "musig2:session-abort";
inline constexpr std::string_view validation_error = "musig2:validation-error";
}  // namespace msg_type

// ---- field encodings ----------------------------------------------------------------------
std::string serialize_point(const PublicKey& p);  // 66 lower-case hex chars
Result<PublicKey> deserialize_point(std::string_view hex);
// Public keys are points here (33 bytes); 65-byte keys → uncompressed_public_key.
inline std::string serialize_public_key(const PublicKey& p) { return serialize_point(p); }
Result<PublicKey> deserialize_public_key(std::string_view hex);
json::Value serialize_public_nonce(const PublicNonce& n);  // {"R1":…,"R2":…}
Result<PublicNonce> deserialize_public_nonce(const json::Value& v, std::string* bad_field = nullptr);
std::string serialize_scalar(const Bytes32& s);  // 64 hex chars
// 2..64 hex digits (even), left-padded; no range check (see deserialize_partial_sig).
Result<Bytes32> deserialize_scalar(std::string_view hex);
// deserialize_scalar and s < n.
Result<Bytes32> deserialize_partial_sig(std::string_view hex);
std::string serialize_message(BytesView m);
Result<Bytes> deserialize_message(std::string_view hex);  // even-length hex, may be empty
// A 64-byte Lotus Schnorr signature as 128 hex chars; r < p, s < n.
Result<Signature64> deserialize_signature(std::string_view hex);

// ---- payloads (§8.2 table; key order = the reference's) -----------------------------------
enum class TransactionType { spend, swap, coinjoin, custody, escrow, channel };
std::string_view to_string(TransactionType t) noexcept;
Result<TransactionType> parse_transaction_type(std::string_view s);

// criteria {transactionTypes, minAmount?, maxAmount?} (satoshis).
struct SignerCriteria {
  std::vector<TransactionType> transaction_types;
  std::optional<std::int64_t> min_amount;
  std::optional<std::int64_t> max_amount;
  json::Value to_json() const;
  bool operator==(const SignerCriteria&) const = default;
};

// SignerAdvertisementPayload: peerId, multiaddrs, publicKey, criteria, metadata?, timestamp,
// expiresAt, signature.
struct SignerAdvertisement {
  std::string peer_id;
  std::vector<std::string> multiaddrs;
  PublicKey public_key{};
  SignerCriteria criteria;
  // The criteria object exactly as received: the signature covers JSON.stringify of the
  // sender's object, which keeps its member order and any members we do not model. Unset on
  // locally built adverts (criteria.to_json() is used).
  std::optional<json::Value> wire_criteria;
  std::optional<json::Value> metadata;  // object {nickname?, description?, fees?, responseTime?}
  std::int64_t timestamp = 0;
  std::int64_t expires_at = 0;
  Signature64 signature{};
  json::Value build() const;
  // JSON.stringify(criteria) as signed.
  std::string criteria_text() const;
};
Result<SignerAdvertisement> parse_signer_advertisement(const json::Value& v, std::string* bad_field = nullptr);

// signer-unavailable {peerId, publicKey}.
struct SignerUnavailable {
  std::string peer_id;
  PublicKey public_key{};
  json::Value build() const;
};
Result<SignerUnavailable> parse_signer_unavailable(const json::Value& v, std::string* bad_field = nullptr);

// ParticipantJoinedPayload: requestId, participantIndex, participantPeerId,
// participantPublicKey, timestamp, signature.
struct ParticipantJoined {
  std::string request_id;  // 64 lower-case hex
  std::size_t participant_index = 0;  // request order
  std::string participant_peer_id;
  PublicKey participant_public_key{};
  std::int64_t timestamp = 0;
  Signature64 signature{};
  json::Value build() const;
};
Result<ParticipantJoined> parse_participant_joined(const json::Value& v, std::string* bad_field = nullptr);

// SigningRequestPayload: requestId, requiredPublicKeys, message, creatorPeerId,
// creatorPublicKey, createdAt, expiresAt, metadata?, creatorSignature, creatorParticipation.
// Checked on parse (ours): the creator key is in requiredPublicKeys; creatorParticipation is
// for this request, names the creator's key at its index and the creator's peer id.
struct SigningRequest {
  std::string request_id;
  std::vector<PublicKey> required_public_keys;  // request order (not sorted)
  Bytes32 message{};
  std::string creator_peer_id;
  PublicKey creator_public_key{};
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<json::Value> metadata;  // open object
  Signature64 creator_signature{};
  ParticipantJoined creator_participation;
  json::Value build() const;
};
Result<SigningRequest> parse_signing_request(const json::Value& v, std::string* bad_field = nullptr);

// session-ready {requestId, sessionId, participantIndex, participantPeerId}.
struct SessionReady {
  std::string request_id;
  std::string session_id;  // 16 lower-case hex
  std::size_t participant_index = 0;
  std::string participant_peer_id;
  json::Value build() const;
};
Result<SessionReady> parse_session_ready(const json::Value& v, std::string* bad_field = nullptr);

// session-join {sessionId, signerIndex, sequenceNumber, timestamp, publicKey}.
struct SessionJoin {
  std::string session_id;
  std::size_t signer_index = 0;
  std::int64_t sequence_number = 0;
  std::int64_t timestamp = 0;
  PublicKey public_key{};
  json::Value build() const;
};
Result<SessionJoin> parse_session_join(const json::Value& v, std::string* bad_field = nullptr);

// nonce-commit {sessionId, signerIndex, sequenceNumber, commitment} (no timestamp).
struct NonceCommit {
  std::string session_id;
  std::size_t signer_index = 0;
  std::int64_t sequence_number = 0;
  Bytes32 commitment{};  // sha256(R1_33 || R2_33), 64 hex on the wire
  json::Value build() const;
};
Result<NonceCommit> parse_nonce_commit(const json::Value& v, std::string* bad_field = nullptr);

// nonce-share {sessionId, signerIndex, sequenceNumber, timestamp, publicNonce: {R1, R2}}.
struct NonceShare {
  std::string session_id;
  std::size_t signer_index = 0;
  std::int64_t sequence_number = 0;
  std::int64_t timestamp = 0;
  PublicNonce public_nonce{};
  json::Value build() const;
};
Result<NonceShare> parse_nonce_share(const json::Value& v, std::string* bad_field = nullptr);

// partial-sig-share {sessionId, signerIndex, sequenceNumber, timestamp, partialSig}.
struct PartialSigShare {
  std::string session_id;
  std::size_t signer_index = 0;
  std::int64_t sequence_number = 0;
  std::int64_t timestamp = 0;
  Bytes32 partial_sig{};  // < n
  json::Value build() const;
};
Result<PartialSigShare> parse_partial_sig_share(const json::Value& v, std::string* bad_field = nullptr);

// session-abort {sessionId, reason}.
struct SessionAbort {
  std::string session_id;
  std::string reason;
  json::Value build() const;
};
Result<SessionAbort> parse_session_abort(const json::Value& v, std::string* bad_field = nullptr);

// validation-error {sessionId, error, code: "VALIDATION_ERROR"}.
struct ValidationError {
  std::string session_id;
  std::string error;
  json::Value build() const;  // code is always "VALIDATION_ERROR"
};
Result<ValidationError> parse_validation_error(const json::Value& v, std::string* bad_field = nullptr);

// SessionAnnouncementPayload (DHT type "musig2-session", id = session id): sessionId, signers
// (sorted), creatorIndex (sorted index), message, requiredSigners (= n), metadata?,
// election? {coordinatorIndex, electionMethod, electionProof}, creatorSignature.
struct SessionElection {
  std::size_t coordinator_index = 0;
  ElectionMethod method = ElectionMethod::lexicographic;
  Bytes32 proof{};
  bool operator==(const SessionElection&) const = default;
};
struct SessionAnnouncement {
  std::string session_id;
  std::vector<PublicKey> signers;  // sorted, unique
  std::size_t creator_index = 0;
  Bytes32 message{};
  std::size_t required_signers = 0;  // = signers.size() (checked on parse)
  std::optional<json::Value> metadata;
  std::optional<SessionElection> election;
  Signature64 creator_signature{};
  json::Value build() const;
};
Result<SessionAnnouncement> parse_session_announcement(const json::Value& v, std::string* bad_field = nullptr);

// DirectoryIndexEntry / SecureDirectoryIndex (DHT type "musig2-signer-directory-index", §8.4).
struct DirectoryIndexEntry {
  PublicKey public_key{};
  std::string peer_id;
  TransactionType transaction_type = TransactionType::spend;
  std::int64_t timestamp = 0;
  Signature64 signature{};  // the advert's signature (does not cover the entry)
  json::Value build() const;
};
inline constexpr std::size_t kMaxDirectoryEntries = 1024;
struct DirectoryIndex {
  std::vector<DirectoryIndexEntry> entries;
  std::int64_t last_updated = 0;
  std::int64_t version = 0;
  json::Value build() const;
};
Result<DirectoryIndex> parse_directory_index(const json::Value& v, std::string* bad_field = nullptr);

}  // namespace lotus::musig2

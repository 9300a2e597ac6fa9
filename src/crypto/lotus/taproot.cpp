#include "crypto/lotus/taproot.hpp"

#include <cstring>

#include "crypto/lotus/secp.hpp"

namespace lotus::crypto::lotus_sig {

Bytes32 taproot_tweak(const PublicKey& internal_key, const Bytes32& merkle_root) {
  return detail::tagged_hash("TapTweak", {internal_key.bytes(), merkle_root});
}

Result<PublicKey> taproot_commitment(const PublicKey& internal_key, const Bytes32& merkle_root) {
  const Bytes32 t = detail::reduce_mod_n(taproot_tweak(internal_key, merkle_root));
  if (detail::is_zero(t)) return errc::tweak_out_of_range;
  secp256k1_pubkey p;
  std::memcpy(p.data, internal_key.raw().data(), sizeof p.data);
  if (!secp256k1_ec_pubkey_tweak_add(detail::ctx(), &p, t.data())) return errc::tweak_out_of_range;
  std::array<unsigned char, 64> raw{};
  std::memcpy(raw.data(), p.data, raw.size());
  return PublicKey::from_raw(raw);
}

Bytes taproot_script_pubkey(const PublicKey& commitment, const std::optional<Bytes32>& state) {
  Bytes out{kOpScriptType, kOp1, 0x21};
  append(out, commitment.bytes());
  if (state) {
    out.push_back(0x20);
    append(out, *state);
  }
  return out;
}

Result<TaprootScript> parse_taproot_script(BytesView script) {
  if ((script.size() != 36 && script.size() != 69) || script[0] != kOpScriptType || script[1] != kOp1 ||
      script[2] != 0x21)
    return errc::invalid_taproot_script;
  LOTUS_TRY(key, PublicKey::parse(script.subspan(3, 33)));
  TaprootScript out{key, std::nullopt};
  if (script.size() == 69) {
    if (script[36] != 0x20) return errc::invalid_taproot_script;
    Bytes32 st{};
    std::memcpy(st.data(), script.data() + 37, 32);
    out.state = st;
  }
  return out;
}

}  // namespace lotus::crypto::lotus_sig

// bench_schnorr: Lotus Schnorr sign/verify next to libsecp256k1's own BIP340 sign/verify in
// the same run, the cost of the pieces that decided the verifier design, and MuSig2 full
// session CPU time for 2, 3, 5 and 15 signers. Plain main(), prints a table.
// Times are process CPU time; every figure is the best of several rounds (shared machine).
#include <openssl/bn.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_recovery.h>
#include <secp256k1_schnorrsig.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "base/rng.hpp"
#include "crypto/lotus/musig2.hpp"
#include "crypto/lotus/schnorr.hpp"
#include "crypto/lotus/secp.hpp"

using namespace lotus;
using namespace lotus::crypto::lotus_sig;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Best-of-rounds seconds per operation.
double measure(int iters, int rounds, const std::function<void(int)>& op) {
  double best = 1e30;
  for (int r = 0; r < rounds; ++r) {
    const double t0 = cpu_seconds();
    for (int i = 0; i < iters; ++i) op(i);
    best = std::min(best, (cpu_seconds() - t0) / iters);
  }
  return best;
}

void row(const char* name, double sec) {
  std::printf("%-44s %12.0f ops/s %10.2f us/op\n", name, 1.0 / sec, sec * 1e6);
}

int g_sink = 0;  // printed at the end so no work is optimised away

}  // namespace

int main(int argc, char** argv) {
  const int scale = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1;
  const int n_ops = 2000 * scale;
  const int rounds = 5;
  DeterministicRng rng(1);
  const secp256k1_context* ctx = detail::ctx();

  // Keys and messages.
  constexpr int kSet = 64;
  std::vector<SecretKey> keys;
  std::vector<Bytes32> msgs(kSet);
  std::vector<Signature> sigs;
  std::vector<std::array<std::uint8_t, 64>> bip_sigs(kSet);
  std::vector<secp256k1_keypair> kps(kSet);
  std::vector<secp256k1_xonly_pubkey> xpks(kSet);
  std::vector<std::array<std::uint8_t, 32>> xpk_bytes(kSet);
  for (int i = 0; i < kSet; ++i) {
    keys.push_back(SecretKey::generate(rng));
    rng.fill(msgs[static_cast<std::size_t>(i)]);
  }
  for (int i = 0; i < kSet; ++i) {
    const auto u = static_cast<std::size_t>(i);
    sigs.push_back(*sign(keys[u], msgs[u]));
    if (!secp256k1_keypair_create(ctx, &kps[u], keys[u].secret().data()) ||
        !secp256k1_keypair_xonly_pub(ctx, &xpks[u], nullptr, &kps[u]) ||
        !secp256k1_xonly_pubkey_serialize(ctx, xpk_bytes[u].data(), &xpks[u]) ||
        !secp256k1_schnorrsig_sign32(ctx, bip_sigs[u].data(), msgs[u].data(), &kps[u], nullptr))
      return 1;
  }
  auto at = [](int i) { return static_cast<std::size_t>(i % kSet); };

  std::printf("== single signatures (contenders interleaved; best of %d rounds, %d ops each) ==\n",
              rounds * 3, n_ops);
  std::vector<std::function<void(int)>> ops = {
      [&](int i) { g_sink += sign(keys[at(i)], msgs[at(i)])->s[0]; },
      [&](int i) {
        std::array<std::uint8_t, 64> out{};
        g_sink += secp256k1_schnorrsig_sign32(ctx, out.data(), msgs[at(i)].data(), &kps[at(i)], nullptr);
      },
      [&](int i) { g_sink += verify(keys[at(i)].public_key(), msgs[at(i)], sigs[at(i)]) ? 1 : 0; },
      [&](int i) {
        g_sink += secp256k1_schnorrsig_verify(ctx, bip_sigs[at(i)].data(), msgs[at(i)].data(), 32, &xpks[at(i)]);
      },
      [&](int i) {
        const auto sb = sigs[at(i)].to_bytes();
        g_sink += verify_bytes(keys[at(i)].public_key().bytes(), msgs[at(i)], sb) ? 1 : 0;
      },
      [&](int i) {
        secp256k1_xonly_pubkey pk;
        g_sink += secp256k1_xonly_pubkey_parse(ctx, &pk, xpk_bytes[at(i)].data());
        g_sink += secp256k1_schnorrsig_verify(ctx, bip_sigs[at(i)].data(), msgs[at(i)].data(), 32, &pk);
      },
      [&](int i) { g_sink += detail::verify_generic(keys[at(i)].public_key(), msgs[at(i)], sigs[at(i)]) ? 1 : 0; },
  };
  // Round-robin so that load from other processes hits every contender alike.
  std::vector<double> best(ops.size(), 1e30);
  for (int r = 0; r < rounds * 3; ++r)
    for (std::size_t k = 0; k < ops.size(); ++k) best[k] = std::min(best[k], measure(n_ops, 1, ops[k]));
  const double lotus_sign = best[0], bip_sign = best[1], lotus_verify = best[2], bip_verify = best[3],
               lotus_verify_bytes = best[4], bip_parse_verify = best[5], lotus_generic = best[6];
  row("Lotus Schnorr sign", lotus_sign);
  row("BIP340 sign (secp256k1_schnorrsig_sign32)", bip_sign);
  row("Lotus Schnorr verify (parsed key)", lotus_verify);
  row("BIP340 verify (parsed key)", bip_verify);
  row("Lotus verify_bytes (parse key+sig+verify)", lotus_verify_bytes);
  row("BIP340 xonly parse + verify", bip_parse_verify);
  row("Lotus verify, generic point-API path", lotus_generic);
  std::printf("ratio verify  Lotus/BIP340 (parsed key):   %.3f  (target >= 0.9)\n", bip_verify / lotus_verify);
  std::printf("ratio verify  Lotus/BIP340 (with parsing): %.3f\n", bip_parse_verify / lotus_verify_bytes);
  std::printf("ratio generic path / BIP340 verify:        %.3f\n", bip_verify / lotus_generic);
  std::printf("ratio sign    Lotus/BIP340:                %.3f\n", bip_sign / lotus_sign);

  std::printf("\n== pieces ==\n");
  std::vector<Bytes32> ys(kSet);
  for (auto& y : ys) {
    rng.fill(y);
    y[0] &= 0x7f;
  }
  BN_CTX* bc = BN_CTX_new();
  BIGNUM* p = BN_bin2bn(detail::kFieldP.data(), 32, nullptr);
  BIGNUM* a = BN_new();
  row("Jacobi: BN_bin2bn + BN_kronecker", measure(n_ops * 10, rounds, [&](int i) {
        BN_bin2bn(ys[at(i)].data(), 32, a);
        g_sink += BN_kronecker(a, p, bc);
      }));
  row("Jacobi: jacobi_mod_p (staged binary)", measure(n_ops * 10, rounds, [&](int i) {
        g_sink += detail::jacobi_mod_p(ys[at(i)]);
      }));
  BN_free(a);
  BN_free(p);
  BN_CTX_free(bc);
  row("RFC6979 nonce (7 HMAC-SHA256)", measure(n_ops * 5, rounds, [&](int i) {
        g_sink += detail::rfc6979_nonce(keys[at(i)].secret(), msgs[at(i)]).data()[0];
      }));
  row("challenge sha256(97 bytes) mod n", measure(n_ops * 10, rounds, [&](int i) {
        g_sink += detail::challenge(sigs[at(i)].r, keys[at(i)].public_key().bytes(), msgs[at(i)])[0];
      }));
  row("secp256k1_ecdsa_recover (verify's ecmult)", measure(n_ops, rounds, [&](int i) {
        secp256k1_ecdsa_recoverable_signature rs;
        std::array<std::uint8_t, 64> compact{};
        const auto& pk = keys[at(i)].public_key().bytes();  // x on the curve, as in verify()
        std::copy(pk.begin() + 1, pk.end(), compact.begin());
        std::copy(msgs[at(i)].begin(), msgs[at(i)].end(), compact.begin() + 32);
        compact[32] = 0x11;  // < n
        secp256k1_pubkey q;
        if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, compact.data(), pk[0] & 1) ||
            !secp256k1_ecdsa_recover(ctx, &q, &rs, msgs[at(i)].data()))
          std::abort();
        g_sink += q.data[0];
      }));
  row("secp256k1_ec_pubkey_parse (33 bytes)", measure(n_ops * 5, rounds, [&](int i) {
        g_sink += detail::parse_point(keys[at(i)].public_key().bytes()).has_value() ? 1 : 0;
      }));

  std::printf("\n== MuSig2 full session, CPU time (key agg, nonce gen x n, nonce agg, session,\n"
              "   partial sign x n, partial verify x n, aggregate, final verify) ==\n");
  for (std::size_t n : {2U, 3U, 5U, 15U}) {
    for (bool taproot : {false, true}) {
      std::vector<SecretKey> signers;
      std::vector<PublicKey> pubs;
      for (std::size_t i = 0; i < n; ++i) {
        signers.push_back(SecretKey::generate(rng));
        pubs.push_back(signers.back().public_key());
      }
      Bytes32 msg{};
      rng.fill(msg);
      const int iters = std::max(5, static_cast<int>(200 / n)) * scale;
      const double sec = measure(iters, rounds, [&](int) {
        auto kctx = KeyAggContext::create(pubs);
        std::vector<std::size_t> pos(n);
        for (std::size_t i = 0; i < n; ++i) pos[i] = *kctx->index_of(signers[i].public_key());
        std::vector<std::optional<NonceGenOutput>> gens(n);
        std::vector<PublicNonce> nonces(n, PublicNonce{pubs[0], pubs[0]});
        for (std::size_t i = 0; i < n; ++i) {
          gens[i].emplace(std::move(*nonce_gen(signers[i], *kctx, msg)));
          nonces[pos[i]] = gens[i]->pub;
        }
        auto agg = nonce_agg(nonces);
        auto session = taproot ? Session::create_taproot(*kctx, *agg, msg) : Session::create(*kctx, *agg, msg);
        std::vector<Bytes32> partials(n);
        for (std::size_t i = 0; i < n; ++i)
          partials[pos[i]] = *partial_sign(gens[i]->secret, signers[i], *kctx, *session, pos[i]);
        g_sink += static_cast<int>(find_invalid_partials(partials, nonces, *kctx, *session)->size());
        auto sig = aggregate(partials, *kctx, *session);
        if (!verify(session->signing_key(), msg, *sig)) std::abort();
      });
      std::printf("MuSig2 %2zu signers%-9s %10.3f ms/session  (%7.1f sessions/s)\n", n,
                  taproot ? " taproot" : "", sec * 1e3, 1.0 / sec);
    }
  }
  std::printf("(checksum %d)\n", g_sink);
  return 0;
}

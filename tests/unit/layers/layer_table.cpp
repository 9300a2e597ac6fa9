// THE LAYER TABLE of lotus-p2p (DESIGN.md §1), checked by lotus_test_layers on every test run.
//
// Adding a folder under src/ (chain, musig2, swapsig, relay/nat services, ...): add its name
// to the row of its layer below, or a new row where it belongs — a service that runs over the
// host beside dht and pubsub goes on their row (siblings never include each other); something
// the coordinator uses but that needs no host goes below the coordinator and above what it
// includes. Then give it its library in src/CMakeLists.txt (lotus_library), linking only
// layers below it. Until its row exists, every file in the new folder fails this test with
// "folder src/<name> is not in the layer table".
//
// A ban keeps a dependency out of a set of layers; an exception lets one file keep one banned
// include for a stated reason, and fails the test ("stale exception") once it is no longer
// needed, so that it is removed rather than forgotten.
#include "layer_check.hpp"

namespace lotus::layers {

const Rules& project_rules() {
  static const Rules rules{
      .rows =
          {
              {"apps"},            // apps/: lotus-p2pd, lotus-p2p
              {"node"},            // the daemon as a library: config, data dir, control API
              {"musig2"},          // MuSig2 signing sessions: election, sessions, signer directory
              {"coordinator"},     // P2PCoordinator, envelope, security manager, DHT resources
              {"dht", "pubsub", "chronik"},  // services over the host / runtime (siblings)
              {"host"},            // connections, upgrade, protocol registry, peer store
              {"runtime"},         // sockets, timers, drivers: the only Asio code below host
              {"proto", "chain"},  // sans-IO engines; Lotus chain primitives (tx, script, sighash)
              {"crypto"},          // keys, Noise primitives, Lotus Schnorr, MuSig2
              {"multiformats"},    // varint, multibase, multihash, CID, multiaddr, PeerId
              {"base"},            // bytes, Result/errc, Clock/Rng, log hook
          },
      .bans =
          {
              {.layers = {"proto", "chain", "crypto", "multiformats", "base"},
               .includes = {"boost/", "asio/", "asio.hpp", "runtime/asio.hpp", "runtime/asio_fwd.hpp"},
               .why = "Boost/Asio belong to runtime and the layers above it; the layers below are "
                      "sans-IO (DESIGN.md §1, §3)"},
              {.layers = {"proto", "chain", "crypto", "multiformats", "base"},
               .includes = {"nlohmann/"},
               .why = "JSON belongs to the coordinator and node (P2PMessage, config, control API), "
                      "not to the wire-format layers"},
          },
      // Files allowed to break a ban, each with why (empty: none). A stale entry (its file gone or
      // no longer including it) fails Layers.RealTreeHasNoStaleExceptions.
      .exceptions = {},
  };
  return rules;
}

}  // namespace lotus::layers

// Independent Lotus implementations for the chain cross-check (tests/unit/chain via
// tests/chain/CMakeLists.txt): xpi-ts (the Lotus project's Bitcore-compatible SDK) builds, signs
// and hashes transactions; @abcpros/bitcore-lib-xpi (a separate lineage) gives the txid and the
// FORKID sighash. Prints ONE JSON object on stdout: the scenario (keys, prevouts, outputs) and
// every value these libraries computed for it. The C++ side rebuilds the same transactions
// from the scenario with src/chain and must match each value byte for byte.
//
// Exit status: 0 with the JSON, non-zero (message on stderr) if a package is missing or throws.
'use strict';
const xpi = require('xpi-ts/lib/bitcore');
const abc = require('@abcpros/bitcore-lib-xpi');

const { PrivateKey, Address, Script, Transaction, Signature, BN } = xpi;

const keys = [
  '0000000000000000000000000000000000000000000000000000000000000001',
  'b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef',
  'c90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b14e5c9',
  '0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710',
].map(h => new PrivateKey(h, 'livenet'));

// The installed versions (read from node_modules; package.json "exports" hides them from require).
function pkgVersion(name) {
  const path = require('path');
  const fs = require('fs');
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', name, 'package.json'), 'utf8')).version;
}

const hex = b => Buffer.from(b).toString('hex');
const p2pkh = k => Script.buildPublicKeyHashOut(k.publicKey);
const taprootOut = k => xpi.buildKeyPathTaproot(k.publicKey);

const out = {
  packages: {
    'xpi-ts': pkgVersion('xpi-ts'),
    '@abcpros/bitcore-lib-xpi': pkgVersion('@abcpros/bitcore-lib-xpi'),
  },
  keys: keys.map(k => ({ secret: k.toString(), public: k.publicKey.toString() })),
};

// ---- scripts and addresses ----
const burnScript = new Script()
  .add(xpi.Opcode.OP_RETURN)
  .add(Buffer.from('SWAPSIG_BURN', 'utf8'))
  .add(Buffer.from('6d6ab7ad2cf5e13033338881dee70b9ef64480f57ee9179ace89e7e479589bde', 'hex'))
  .add(Buffer.from([1]));
const ltmsScript = new Script()
  .add(xpi.Opcode.OP_RETURN)
  .add(Buffer.from('LTMS', 'ascii'))
  .add(Buffer.from([1]))
  .add(keys[0].publicKey.toBuffer());
out.scripts = {
  p2pkh: keys.map(k => p2pkh(k).toHex()),
  taproot_key_path: keys.map(k => taprootOut(k).toHex()),
  taproot_commitment: keys.map(k => hex(xpi.tweakPublicKey(k.publicKey).toBuffer())),
  swapsig_burn: burnScript.toHex(),
  ltms_identity: ltmsScript.toHex(),
};
out.addresses = [];
for (const net of ['livenet', 'testnet', 'regtest']) {
  keys.forEach((k, i) => {
    const a = Address.fromPublicKey(k.publicKey, net);
    const tap = new xpi.XAddress(xpi.tweakPublicKey(k.publicKey).toBuffer(), net, 'taproot');
    out.addresses.push({ network: net, key: i, p2pkh: a.toXAddress(), taproot: tap.toString(),
                         p2pkh_script: Script.fromAddress(a).toHex() });
  });
}
// bitcore-lib-xpi's view of the P2PKH addresses.
out.addresses_abc = keys.map(k => new abc.Address(new abc.PublicKey(k.publicKey.toString()), 'livenet').toXAddress());

// ---- transactions ----
function prevTxid(i) {
  const b = Buffer.alloc(32);
  for (let j = 0; j < 32; ++j) b[j] = (i * 37 + j * 11 + 5) & 0xff;
  return hex(b);  // display order (what xpi-ts and Chronik call txId)
}

function describe(tx, utxos) {
  return {
    version: tx.version,
    lock_time: tx.nLockTime,
    inputs: tx.inputs.map((inp, i) => ({
      prev_txid: hex(inp.prevTxId),  // display order
      index: inp.outputIndex,
      sequence: inp.sequenceNumber,
      spent_value: utxos[i].satoshis,
      spent_script: utxos[i].script,
      key: utxos[i].key,
    })),
    outputs: tx.outputs.map(o => ({ value: o.satoshis, script: o.script.toHex() })),
  };
}

function sighashes(tx, types) {
  const res = [];
  tx.inputs.forEach((inp, i) => {
    for (const t of types) {
      const h = xpi.sighash(tx, t, i, inp.output.script, new BN(inp.output.satoshis));
      res.push({ input: i, type: t, hash: hex(h) });
    }
  });
  return res;
}

// A: two P2PKH inputs, SIGHASH_FORKID (what Lotus wallets sign today), burn + identity outputs.
{
  const utxos = [
    { txId: prevTxid(1), outputIndex: 0, script: p2pkh(keys[0]).toHex(), satoshis: 60000000, key: 0 },
    { txId: prevTxid(2), outputIndex: 3, script: p2pkh(keys[1]).toHex(), satoshis: 1234567, key: 1 },
  ];
  const tx = new Transaction().from(utxos.map(u => ({ txId: u.txId, outputIndex: u.outputIndex, script: u.script, satoshis: u.satoshis })));
  tx.addOutput(new xpi.Output({ script: p2pkh(keys[2]), satoshis: 50000000 }));
  tx.addOutput(new xpi.Output({ script: burnScript, satoshis: 1000 }));
  tx.addOutput(new xpi.Output({ script: ltmsScript, satoshis: 0 }));
  tx.addOutput(new xpi.Output({ script: p2pkh(keys[0]), satoshis: 11234000 }));
  const unsigned = tx.uncheckedSerialize();
  const types = [0x41, 0x42, 0x43, 0xc1, 0xc2, 0xc3];
  const hashes = sighashes(tx, types);
  tx.sign([keys[0], keys[1]], Signature.SIGHASH_ALL | Signature.SIGHASH_FORKID, 'schnorr');
  const abcTx = new abc.Transaction(tx.uncheckedSerialize());
  const abcHashes = [];
  utxos.forEach((u, i) => {
    for (const t of types) {
      const h = abc.Transaction.Sighash.sighash(abcTx, t, i, new abc.Script(u.script), new abc.crypto.BN(u.satoshis));
      abcHashes.push({ input: i, type: t, hash: hex(h) });
    }
  });
  out.tx_forkid = {
    ...describe(tx, utxos),
    unsigned_hex: unsigned,
    signed_hex: tx.uncheckedSerialize(),
    txid: tx.txid,
    hash: tx.hash,
    sighashes: hashes,
    abc_txid: abcTx.id,
    abc_sighashes: abcHashes,
  };
}

// B: Taproot key-path inputs signed with SIGHASH_LOTUS, a P2PKH input signed with FORKID, five
// outputs (odd merkle layers), non-final sequences and a lock time.
{
  const utxos = [
    { txId: prevTxid(3), outputIndex: 1, script: taprootOut(keys[3]).toHex(), satoshis: 2000000, key: 3, tap: true },
    { txId: prevTxid(4), outputIndex: 0, script: p2pkh(keys[1]).toHex(), satoshis: 3500000, key: 1 },
    { txId: prevTxid(5), outputIndex: 7, script: taprootOut(keys[2]).toHex(), satoshis: 777777, key: 2, tap: true },
  ];
  const tx = new Transaction().from(utxos.map(u => ({
    txId: u.txId, outputIndex: u.outputIndex, script: u.script, satoshis: u.satoshis,
    ...(u.tap ? { internalPubKey: keys[u.key].publicKey } : {}),
  })));
  tx.inputs[0].sequenceNumber = 0xfffffffe;
  tx.inputs[1].sequenceNumber = 0;
  tx.inputs[2].sequenceNumber = 0x12345678;
  tx.nLockTime = 700000;
  for (let i = 0; i < 5; ++i) tx.addOutput(new xpi.Output({ script: i % 2 ? taprootOut(keys[i % 4]) : p2pkh(keys[i % 4]), satoshis: 100000 * (i + 1) + i }));
  const types = [0x61, 0x62, 0x63, 0xe1, 0xe2, 0xe3];
  const hashes = sighashes(tx, types);
  // Each input signed with its own key through xpi-ts's signing path (sighash.sign). Not
  // tx.sign([k3, k1, k2]): xpi-ts's TaprootInput.getSignatures does not check that the key
  // belongs to the input, so every key signs every Taproot input and the last one wins — a
  // wrong (consensus-invalid) signature on input 0.
  utxos.forEach((u, i) => {
    const inp = tx.inputs[i];
    const k = u.tap ? xpi.tweakPrivateKey(keys[u.key]) : keys[u.key];
    const type = u.tap ? (Signature.SIGHASH_ALL | Signature.SIGHASH_LOTUS) : (Signature.SIGHASH_ALL | Signature.SIGHASH_FORKID);
    const sig = xpi.sign(tx, k, type, i, inp.output.script, new BN(inp.output.satoshis), undefined, 'schnorr');
    const script = new Script().add(sig.toTxFormat('schnorr'));
    if (!u.tap) script.add(keys[u.key].publicKey.toBuffer());
    inp.setScript(script);
  });
  const abcTx = new abc.Transaction(tx.uncheckedSerialize());
  out.tx_lotus = {
    ...describe(tx, utxos),
    signed_hex: tx.uncheckedSerialize(),
    txid: tx.txid,
    hash: tx.hash,
    sighashes: hashes,  // xpi-ts computes every one as a key-path (spend type 0) hash
    abc_txid: abcTx.id,
  };
}

process.stdout.write(JSON.stringify(out, null, 1) + '\n');

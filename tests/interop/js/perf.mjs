// libp2p perf protocol (/perf/1.0.0) for js-libp2p 3.x streams, written from the spec
// (libp2p/specs perf/perf.md; there is no @libp2p/perf for libp2p 3 in our registry).
//
//   client → server: u64 big-endian (bytes the client wants back) | upload bytes | close-write
//   server → client: exactly that many bytes | close
//
// Payload is zeros (the spec does not define it). Used by peer.mjs (command `perf`, flag
// `--perf-server`) and bench/js/throughput.mjs.

export const PERF = '/perf/1.0.0'
const CHUNK = 64 * 1024
const ZEROS = new Uint8Array(CHUNK)

function bytesOf (data) {
  return data.byteLength
}

function abortError (signal) {
  return signal?.reason instanceof Error ? signal.reason : new Error('perf aborted')
}

async function sendZeros (stream, n, signal, onSent) {
  let left = n
  while (left > 0) {
    if (signal?.aborted) throw abortError(signal)
    const len = Math.min(CHUNK, left)
    const ok = stream.send(len === CHUNK ? ZEROS : ZEROS.subarray(0, len))
    left -= len
    onSent?.(len)
    if (!ok) await stream.onDrain({ signal })
  }
}

/**
 * Server side of one perf stream. `opts.maxDownload` caps what a client may ask for (the stream
 * is reset beyond it). `onDone({peerId, requested, uploaded, downloaded, outcome, error})` is
 * called once when the run ended.
 */
export function perfHandler (stream, connection, opts = {}) {
  const maxDownload = BigInt(opts.maxDownload ?? (2 ** 32))
  const peerId = connection.remotePeer.toString()
  const header = new Uint8Array(8)
  let headerLen = 0
  let requested = null
  let uploaded = 0
  let downloaded = 0
  let done = false
  const finish = (outcome, error) => {
    if (done) return
    done = true
    opts.onDone?.({ peerId, requested: requested == null ? null : Number(requested), uploaded, downloaded, outcome, error: error ?? null })
  }
  stream.addEventListener('message', (evt) => {
    const data = evt.data.subarray()
    let off = 0
    if (headerLen < 8) {
      const take = Math.min(8 - headerLen, data.length)
      header.set(data.subarray(0, take), headerLen)
      headerLen += take
      off = take
      if (headerLen === 8) {
        requested = new DataView(header.buffer).getBigUint64(0, false)
        if (requested > maxDownload) {
          stream.abort(new Error(`perf: requested ${requested} bytes, limit ${maxDownload}`))
          finish('refused', 'download too large')
          return
        }
      }
    }
    uploaded += data.length - off
  })
  stream.addEventListener('end', () => {
    if (done) return
    if (headerLen < 8) {
      stream.abort(new Error('perf: short header'))
      finish('error', 'short header')
      return
    }
    sendZeros(stream, Number(requested), undefined, (n) => { downloaded += n })
      .then(() => stream.close())
      .then(() => finish('closed'))
      .catch((e) => { finish('error', e?.message ?? String(e)) })
  })
  stream.addEventListener('close', (evt) => {
    if (evt.error != null) finish('reset', evt.error?.message ?? String(evt.error))
  })
}

/**
 * Client side on an open stream: upload, close-write, download. Resolves with byte counts and
 * durations (ms); rejects on a reset, a short or long download, or when `signal` aborts.
 */
export async function perfClient (stream, upload, download, signal) {
  const start = performance.now()
  let downloaded = 0
  let tooEarly = false
  let uploadDone = false
  const { promise, resolve, reject } = Promise.withResolvers()
  promise.catch(() => {})
  stream.addEventListener('message', (evt) => {
    if (!uploadDone) tooEarly = true
    downloaded += bytesOf(evt.data)
  })
  const settle = (err) => {
    if (err != null) reject(err)
    else if (tooEarly) reject(new Error('perf: response before the upload completed'))
    else if (downloaded !== download) reject(new Error(`perf: downloaded ${downloaded} of ${download} bytes`))
    else resolve()
  }
  stream.addEventListener('end', () => settle())
  stream.addEventListener('close', (evt) => settle(evt.error))
  const header = new Uint8Array(8)
  new DataView(header.buffer).setBigUint64(0, BigInt(download), false)
  if (!stream.send(header)) await stream.onDrain({ signal })
  await sendZeros(stream, upload, signal)
  uploadDone = true
  await stream.close({ signal })
  const uploadedAt = performance.now()
  await new Promise((resolve2, reject2) => {
    if (signal?.aborted) { reject2(abortError(signal)); return }
    const onAbort = () => reject2(abortError(signal))
    signal?.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve2, reject2).finally(() => signal?.removeEventListener('abort', onAbort))
  })
  const end = performance.now()
  return {
    uploaded: upload,
    downloaded,
    uploadMs: uploadedAt - start,
    downloadMs: end - uploadedAt,
    totalMs: end - start
  }
}

// Helpers shared by the test pages: the status panel, the remote <audio>
// element, a WebAudio analyser on what the browser hears, and getStats()
// summaries. The pages expose the same window.cg API whatever SIP library
// they use, so the Go test drives them alike.

/** state is what the page shows and what cg.state() returns. */
export const state = {
  library: '',
  user: '',
  registered: false,
  call: 'idle', // idle, calling, ringing, incoming, confirmed, ended, failed
  direction: '',
  peer: '',
  cause: '',
  held: false,
  calls: 0,
  errors: [],
};

/** render writes state into the page's status panel. */
export function render() {
  const set = (id, text) => {
    const el = document.getElementById(id);
    if (el) el.textContent = text;
  };
  set('library', state.library);
  set('user', state.user || '-');
  set('reg', state.registered ? 'registered' : 'not registered');
  set('call', state.call + (state.held ? ' (on hold)' : ''));
  set('peer', state.peer || '-');
  set('cause', state.cause || '-');
  const status = document.getElementById('status');
  if (status) status.dataset.call = state.call;
}

/** update merges fields into state and re-renders. */
export function update(fields) {
  Object.assign(state, fields);
  render();
}

let remoteStream = null;
let audioCtx = null;
let analyser = null;

/** attachRemote plays stream in the page's <audio> element; Chromium feeds
 * a WebRTC stream to WebAudio only while a media element plays it. */
export function attachRemote(stream) {
  if (!stream || remoteStream === stream) return;
  remoteStream = stream;
  const el = document.getElementById('remote');
  el.srcObject = stream;
  el.play().catch((e) => state.errors.push('play: ' + e));
  analyser = null;
}

/** listenTo analyses stream, which something else in the page already
 * plays (the dialer element's own <audio>), without playing it again. */
export function listenTo(stream) {
  if (remoteStream === stream) return;
  remoteStream = stream || null;
  analyser = null;
}

/** detachRemote stops the remote audio after a call. */
export function detachRemote() {
  const el = document.getElementById('remote');
  if (el) el.srcObject = null;
  remoteStream = null;
  analyser = null;
}

function ensureAnalyser() {
  if (!remoteStream) throw new Error('no remote stream');
  if (!audioCtx) audioCtx = new AudioContext();
  if (!analyser) {
    analyser = audioCtx.createAnalyser();
    analyser.fftSize = 8192;
    analyser.smoothingTimeConstant = 0;
    audioCtx.createMediaStreamSource(remoteStream).connect(analyser);
  }
  return analyser;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let analyserWorks = true;

/** tone measures the remote audio for ms milliseconds and returns its
 * peak frequency and its levels near 440 and 1000 Hz. It uses a WebAudio
 * AnalyserNode; where the AudioContext cannot run (headless Firefox has no
 * audio output device, so its context stays suspended) it records the
 * stream with MediaRecorder and decodes it in an OfflineAudioContext. */
export async function tone(ms = 1000) {
  if (!remoteStream) throw new Error('no remote stream');
  if (analyserWorks) {
    const a = ensureAnalyser();
    if (audioCtx.state !== 'running') {
      await Promise.race([audioCtx.resume(), sleep(1000)]);
    }
    if (audioCtx.state === 'running') return toneByAnalyser(a, ms);
    analyserWorks = false;
  }
  return toneByRecorder(ms);
}

async function toneByAnalyser(a, ms) {
  const bins = new Float32Array(a.frequencyBinCount);
  const sum = new Float64Array(a.frequencyBinCount);
  let frames = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await sleep(100);
    a.getFloatFrequencyData(bins);
    for (let i = 0; i < bins.length; i++) sum[i] += Math.pow(10, bins[i] / 10);
    frames++;
  }
  const hz = audioCtx.sampleRate / a.fftSize;
  // Skip the lowest bins (DC and rumble) when looking for the peak.
  let peak = Math.ceil(100 / hz);
  for (let i = peak; i < sum.length; i++) if (sum[i] > sum[peak]) peak = i;
  const db = (f) => {
    const i = Math.round(f / hz);
    let m = 0;
    for (let j = i - 2; j <= i + 2; j++) m = Math.max(m, sum[j] / frames);
    return 10 * Math.log10(m || 1e-30);
  };
  return {
    method: 'analyser',
    frames,
    sampleRate: audioCtx.sampleRate,
    resolutionHz: hz,
    peakHz: peak * hz,
    peakDb: 10 * Math.log10(sum[peak] / frames || 1e-30),
    db440: db(440),
    db1000: db(1000),
  };
}

// goertzel is the power of freq Hz in x sampled at rate.
function goertzel(x, freq, rate) {
  const c = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i] + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - c * s1 * s2) / (x.length * x.length);
}

async function toneByRecorder(ms) {
  const rec = new MediaRecorder(remoteStream);
  const chunks = [];
  rec.ondataavailable = (e) => chunks.push(e.data);
  const stopped = new Promise((r) => (rec.onstop = r));
  rec.start();
  await sleep(ms);
  rec.stop();
  await stopped;
  const buf = await new Blob(chunks, { type: rec.mimeType }).arrayBuffer();
  const decoded = await new OfflineAudioContext(1, 48000, 48000).decodeAudioData(buf);
  const rate = decoded.sampleRate;
  // The encoder's first frames are its start-up; skip 200 ms.
  const x = decoded.getChannelData(0).subarray(Math.floor(rate / 5));
  let peakHz = 0;
  let peak = 0;
  for (let f = 100; f <= 3500; f += 10) {
    const p = goertzel(x, f, rate);
    if (p > peak) [peak, peakHz] = [p, f];
  }
  const db = (p) => 10 * Math.log10(p || 1e-30);
  return {
    method: 'recorder ' + rec.mimeType,
    frames: x.length,
    sampleRate: rate,
    resolutionHz: 10,
    peakHz,
    peakDb: db(peak),
    db440: db(goertzel(x, 440, rate)),
    db1000: db(goertzel(x, 1000, rate)),
  };
}

/** rtpStats sums getStats() for pc (an RTCPeerConnection, or anything
 * with a getStats() that may resolve to null, such as <callgate-dialer>):
 * inbound and outbound audio RTP, the codec in use and the peer
 * connection's state. */
export async function rtpStats(pc) {
  const out = {
    packetsReceived: 0,
    bytesReceived: 0,
    totalAudioEnergy: 0,
    audioLevel: 0,
    packetsSent: 0,
    bytesSent: 0,
    codec: '',
    connectionState: pc ? pc.connectionState || '' : 'none',
  };
  if (!pc) return out;
  const report = await pc.getStats();
  if (!report) {
    out.connectionState = 'none';
    return out;
  }
  const codecs = {};
  report.forEach((s) => {
    if (s.type === 'codec') codecs[s.id] = s.mimeType;
  });
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      out.packetsReceived += s.packetsReceived || 0;
      out.bytesReceived += s.bytesReceived || 0;
      out.totalAudioEnergy += s.totalAudioEnergy || 0;
      out.audioLevel = Math.max(out.audioLevel, s.audioLevel || 0);
      if (s.codecId) out.codec = codecs[s.codecId] || '';
    }
    if (s.type === 'outbound-rtp' && s.kind === 'audio') {
      out.packetsSent += s.packetsSent || 0;
      out.bytesSent += s.bytesSent || 0;
    }
  });
  return out;
}

/** waitFor resolves once pred() holds, polling every 50 ms, or rejects
 * with what after ms milliseconds. */
export async function waitFor(pred, ms, what) {
  const end = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > end) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}; state ${JSON.stringify(state)}`);
    }
    await sleep(50);
  }
}

/** waitCall resolves when the call reaches want ("confirmed", "ended",
 * ...) and rejects early when it fails instead. */
export function waitCall(want, ms = 15000) {
  return waitFor(() => {
    if (state.call === want) return true;
    if (want !== 'failed' && (state.call === 'failed' || (state.call === 'ended' && want !== 'ended'))) {
      throw new Error(`call ${state.call} (${state.cause}) while waiting for ${want}`);
    }
    return false;
  }, ms, 'call ' + want);
}

window.addEventListener('error', (e) => state.errors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => state.errors.push(String(e.reason)));

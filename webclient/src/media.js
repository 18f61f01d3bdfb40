// Microphone and speaker access.

/**
 * Opens the microphone, preferring deviceId when given and falling back to
 * the default device when that one is gone.
 * @param {string} [deviceId]
 * @returns {Promise<MediaStream>}
 */
export async function openMicrophone(deviceId) {
  const md = globalThis.navigator && navigator.mediaDevices;
  if (!md || typeof md.getUserMedia !== 'function') {
    // Media Capture and Streams §9: mediaDevices exists only in secure
    // contexts (https or localhost).
    const e = new Error('the microphone API needs a secure context');
    e.name = 'InsecureContext';
    throw e;
  }
  const base = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  if (deviceId) {
    try {
      return await md.getUserMedia({ audio: { ...base, deviceId: { exact: deviceId } }, video: false });
    } catch (e) {
      if (e.name !== 'OverconstrainedError' && e.name !== 'NotFoundError') throw e;
    }
  }
  return md.getUserMedia({ audio: base, video: false });
}

/**
 * Stops every track of stream.
 * @param {MediaStream|null|undefined} stream
 */
export function stopStream(stream) {
  if (stream) for (const t of stream.getTracks()) t.stop();
}

/**
 * @typedef {{id: string, label: string}} Device
 * @typedef {{inputs: Device[], outputs: Device[], labelled: boolean}} DeviceList
 */

/**
 * Lists microphones and speakers. Browsers hide labels until the page has
 * had microphone access; unlabelled devices get numbered names.
 * @returns {Promise<DeviceList>}
 */
export async function listDevices() {
  const md = globalThis.navigator && navigator.mediaDevices;
  if (!md || typeof md.enumerateDevices !== 'function') return { inputs: [], outputs: [], labelled: false };
  let all = [];
  try {
    all = await md.enumerateDevices();
  } catch {
    return { inputs: [], outputs: [], labelled: false };
  }
  const pick = (kind, noun) => all
    .filter((d) => d.kind === kind && d.deviceId && d.deviceId !== 'default' && d.deviceId !== 'communications')
    .map((d, i) => ({ id: d.deviceId, label: d.label || `${noun} ${i + 1}` }));
  return {
    inputs: pick('audioinput', 'Microphone'),
    outputs: pick('audiooutput', 'Speaker'),
    labelled: all.some((d) => d.label),
  };
}

/** Reports whether the browser can route an audio element to a chosen speaker. */
export function canPickSpeaker() {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}

// Call history kept in Web Storage (localStorage in the browser), one list
// per account, newest first.

/**
 * @typedef {object} HistoryEntry
 * @property {string} id
 * @property {'in'|'out'} direction
 * @property {string} number what was dialled, or the caller's user part
 * @property {string} [name] the caller's display name
 * @property {number} startedAt milliseconds since the epoch
 * @property {number} [answeredAt]
 * @property {number} [endedAt]
 * @property {'answered'|'missed'|'declined'|'failed'|'cancelled'|'busy'|'ringing'} status
 * @property {number|null} [code] SIP status code that ended the call
 * @property {string} [cause]
 * @property {boolean} [seen] for missed calls: shown to the user
 */

/** Statuses that mean an incoming call nobody took. */
const MISSED = new Set(['missed', 'busy']);

/**
 * Reports whether a history entry is a missed incoming call.
 * @param {HistoryEntry} e
 */
export function isMissed(e) {
  return e.direction === 'in' && MISSED.has(e.status);
}

/**
 * Decides how an ended call is recorded.
 * @param {{direction: 'in'|'out', answered: boolean, originator: string, cause: string, declinedLocally?: boolean}} end
 * @returns {HistoryEntry['status']}
 */
export function endStatus(end) {
  if (end.answered) return 'answered';
  if (end.direction === 'in') {
    if (end.declinedLocally) return 'declined';
    return end.cause === 'Busy' ? 'busy' : 'missed';
  }
  if (end.originator === 'local' && end.cause === 'Canceled') return 'cancelled';
  return 'failed';
}

/**
 * A history list in storage.
 */
export class HistoryStore {
  /**
   * @param {Pick<Storage, 'getItem'|'setItem'|'removeItem'>|null} storage
   *   null keeps the list in memory only (storage blocked or unavailable)
   * @param {string} key
   * @param {{limit?: number, now?: () => number}} [opts]
   */
  constructor(storage, key, opts = {}) {
    this.storage = storage;
    this.key = key;
    this.limit = opts.limit ?? 50;
    this.now = opts.now ?? Date.now;
    /** @type {HistoryEntry[]} */
    this.memory = [];
    this.seq = 0;
  }

  /** @returns {HistoryEntry[]} newest first */
  list() {
    if (!this.storage) return this.memory.slice();
    let raw;
    try {
      raw = this.storage.getItem(this.key);
    } catch {
      return this.memory.slice();
    }
    if (!raw) return [];
    try {
      const v = JSON.parse(raw);
      return Array.isArray(v) ? v.filter(valid) : [];
    } catch {
      return [];
    }
  }

  /**
   * Adds a call at the top of the list and returns its id.
   * @param {Omit<HistoryEntry, 'id'|'startedAt'> & {startedAt?: number}} entry
   */
  add(entry) {
    const now = this.now();
    const id = `${now.toString(36)}-${(this.seq++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const e = { startedAt: now, ...entry, id };
    this.save([e, ...this.list()]);
    return id;
  }

  /**
   * Changes the entry with id; unknown ids are ignored.
   * @param {string} id
   * @param {Partial<HistoryEntry>} patch
   */
  update(id, patch) {
    const list = this.list();
    const i = list.findIndex((e) => e.id === id);
    if (i < 0) return;
    list[i] = { ...list[i], ...patch, id };
    this.save(list);
  }

  /** Counts missed calls not yet shown to the user. */
  unseenMissed() {
    return this.list().filter((e) => isMissed(e) && !e.seen).length;
  }

  /** Marks every missed call as shown. */
  markSeen() {
    const list = this.list();
    if (!list.some((e) => isMissed(e) && !e.seen)) return;
    this.save(list.map((e) => (isMissed(e) ? { ...e, seen: true } : e)));
  }

  /** Removes every entry. */
  clear() {
    this.memory = [];
    if (!this.storage) return;
    try {
      this.storage.removeItem(this.key);
    } catch {
      // storage blocked: nothing to clear
    }
  }

  /** @param {HistoryEntry[]} list */
  save(list) {
    const trimmed = list.slice(0, this.limit);
    this.memory = trimmed;
    if (!this.storage) return;
    try {
      this.storage.setItem(this.key, JSON.stringify(trimmed));
    } catch {
      // quota exceeded or storage blocked: keep the list in memory
      this.storage = null;
    }
  }
}

/** @param {unknown} e */
function valid(e) {
  return e !== null && typeof e === 'object' && typeof e.id === 'string' &&
    (e.direction === 'in' || e.direction === 'out') && typeof e.number === 'string' &&
    typeof e.startedAt === 'number';
}

/**
 * Replaces every configured secret value in text and values with `[redacted]`. A connector
 * instance owns one, fed with its resolved secrets and the derived forms that travel on the
 * wire (base64 of basic credentials, URL-encoded values), and passes every error message and
 * result through it before they leave the connector.
 */
export const REDACTED = '[redacted]';

/** Values shorter than this are not treated as secrets (they would redact ordinary words). */
const MIN_SECRET_LENGTH = 6;

export class Redactor {
  readonly #secrets = new Set<string>();

  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    this.#secrets.add(secret);
    this.#secrets.add(encodeURIComponent(secret));
    this.#secrets.add(Buffer.from(secret).toString('base64'));
  }

  text(value: string): string {
    let out = value;
    // Longest first, so a secret containing another is replaced whole.
    for (const s of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join(REDACTED);
    }
    return out;
  }

  /** A deep copy with every string (keys included) redacted. */
  value(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.text(k)] = this.value(v);
      return out;
    }
    return value;
  }
}

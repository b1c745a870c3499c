/** A binary min-heap of (time, key) pairs: the on-close deadlines of one rule's groups. */
export class MinHeap {
  readonly #times: number[] = [];
  readonly #keys: string[] = [];

  get size(): number {
    return this.#times.length;
  }

  peekTime(): number | undefined {
    return this.#times[0];
  }

  push(time: number, key: string): void {
    const times = this.#times;
    const keys = this.#keys;
    let i = times.length;
    times.push(time);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((times[parent] as number) <= time) break;
      times[i] = times[parent] as number;
      keys[i] = keys[parent] as string;
      i = parent;
    }
    times[i] = time;
    keys[i] = key;
  }

  pop(): [number, string] | undefined {
    const times = this.#times;
    const keys = this.#keys;
    if (times.length === 0) return undefined;
    const top: [number, string] = [times[0] as number, keys[0] as string];
    const lastTime = times.pop() as number;
    const lastKey = keys.pop() as string;
    if (times.length > 0) {
      let i = 0;
      const n = times.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && (times[r] as number) < (times[l] as number) ? r : l;
        if ((times[c] as number) >= lastTime) break;
        times[i] = times[c] as number;
        keys[i] = keys[c] as string;
        i = c;
      }
      times[i] = lastTime;
      keys[i] = lastKey;
    }
    return top;
  }

  clear(): void {
    this.#times.length = 0;
    this.#keys.length = 0;
  }
}

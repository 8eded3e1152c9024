/**
 * Keeps the `capacity` best items seen so far, where `better(a, b)` is true when `a` ranks above
 * `b`. The root is the worst kept item, so each offer is O(log capacity) and memory stays bounded
 * however many items stream past.
 */
export class BoundedHeap<T> {
  readonly #items: T[] = [];
  readonly #capacity: number;
  readonly #better: (a: T, b: T) => boolean;

  constructor(capacity: number, better: (a: T, b: T) => boolean) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`capacity must be a non-negative integer, received ${capacity}`);
    }
    this.#capacity = capacity;
    this.#better = better;
  }

  get size(): number {
    return this.#items.length;
  }

  offer(item: T): void {
    const items = this.#items;
    if (items.length < this.#capacity) {
      items.push(item);
      this.#up(items.length - 1);
    } else if (items.length > 0 && this.#better(item, items[0]!)) {
      items[0] = item;
      this.#down(0);
    }
  }

  /** The kept items, best first. */
  sorted(): T[] {
    return [...this.#items].sort((a, b) => (this.#better(a, b) ? -1 : this.#better(b, a) ? 1 : 0));
  }

  // Heap order: a parent is never better than its children (the worst item sits at the root).
  #up(index: number): void {
    const items = this.#items;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#better(items[parent]!, items[index]!)) return;
      this.#swap(parent, index);
      index = parent;
    }
  }

  #down(index: number): void {
    const items = this.#items;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let worst = index;
      if (left < items.length && this.#better(items[worst]!, items[left]!)) worst = left;
      if (right < items.length && this.#better(items[worst]!, items[right]!)) worst = right;
      if (worst === index) return;
      this.#swap(worst, index);
      index = worst;
    }
  }

  #swap(a: number, b: number): void {
    const items = this.#items;
    const item = items[a]!;
    items[a] = items[b]!;
    items[b] = item;
  }
}

/** A growable array of doubles: 8 bytes per value, no object per value. */
export class Float64Collector {
  #values = new Float64Array(1024);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = value;
  }

  /** The values in ascending order (a copy of exactly `length` values). */
  sorted(): Float64Array {
    return this.#values.slice(0, this.#length).sort();
  }
}

/** Linear-interpolated quantile (q in [0, 1]) of ascending values; null when empty. */
export function quantile(ascending: Float64Array, q: number): number | null {
  if (ascending.length === 0) return null;
  const position = (ascending.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(ascending.length - 1, below + 1);
  const low = ascending[below]!;
  return low + (ascending[above]! - low) * (position - below);
}

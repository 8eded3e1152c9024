/**
 * Seeded pseudo-random numbers (xoshiro128**, seeded through splitmix32). kmeans-core never
 * uses the global random generator: the same seed gives the same palette on every machine.
 */
export interface Random {
  /** A uniformly distributed float in [0, 1). */
  next(): number;
  /** A uniformly distributed integer in [0, n). */
  below(n: number): number;
}

export function createRandom(seed: number): Random {
  return new Xoshiro128(seed);
}

/**
 * A class, not closures: every generator shares one `next` and one `below`, so code compiled
 * for one restart's generator still fits the next one's (closures made per generator changed
 * the call target, and compiled callers were thrown away at each restart).
 */
class Xoshiro128 implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  private nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

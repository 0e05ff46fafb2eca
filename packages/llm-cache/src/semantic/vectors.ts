/**
 * A vector as the store keeps it: scaled so its largest component is ±127, rounded to whole
 * numbers, and written sparse as hex, 5 characters per non-zero component (3 for the index, 2
 * for the value in two's complement). Cosine does not change with scale, and whole numbers
 * give the same dot products in Lua and in JavaScript, bit for bit.
 */
export interface StoredVector {
  /** The sparse hex form. */
  readonly hex: string;
  /** The sum of squares of the whole-number components. */
  readonly norm2: number;
}

/** Vectors longer than this are refused (3 hex digits of index). */
export const MAX_DIMS = 4096;

/** Quantise and encode a vector; see {@link StoredVector}. */
export function encodeVector(vector: ArrayLike<number>): StoredVector {
  let max = 0;
  for (let i = 0; i < vector.length; i++) max = Math.max(max, Math.abs(vector[i] as number));
  let hex = '';
  let norm2 = 0;
  if (max === 0) return { hex, norm2 };
  for (let i = 0; i < vector.length; i++) {
    const q = Math.round(((vector[i] as number) / max) * 127);
    if (q === 0) continue;
    norm2 += q * q;
    hex += i.toString(16).padStart(3, '0') + (q & 0xff).toString(16).padStart(2, '0');
  }
  return { hex, norm2 };
}

// mulberry32: a small seeded generator, so every process draws the same hyperplanes.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random-hyperplane LSH settings; see {@link lshFields}. */
export interface LshSettings {
  /** Bands: a vector is filed under one bucket per band. */
  readonly bands: number;
  /** Hyperplanes per band: a bucket holds vectors on the same side of all of them. */
  readonly bits: number;
}

const PLANES = new Map<string, Float64Array>();

function planes(dims: number, count: number): Float64Array {
  const key = `${dims}:${count}`;
  let out = PLANES.get(key);
  if (!out) {
    const random = mulberry32(0x5eed ^ dims);
    out = new Float64Array(dims * count);
    // Gaussian components (Box-Muller): the hyperplane directions are uniform on the sphere.
    for (let i = 0; i < out.length; i++) {
      const u = 1 - random();
      const v = random();
      out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
    PLANES.set(key, out);
  }
  return out;
}

/**
 * The bucket of `vector` in each band, as hash fields `<band>:<bits>`: vectors at a small angle
 * share a bucket in some band with high probability (random-hyperplane LSH).
 */
export function lshFields(vector: ArrayLike<number>, settings: LshSettings): string[] {
  const dims = vector.length;
  const count = settings.bands * settings.bits;
  const p = planes(dims, count);
  const nonzero: number[] = [];
  for (let i = 0; i < dims; i++) if ((vector[i] as number) !== 0) nonzero.push(i);
  const fields: string[] = [];
  for (let band = 0; band < settings.bands; band++) {
    let sig = 0;
    for (let b = 0; b < settings.bits; b++) {
      const offset = (band * settings.bits + b) * dims;
      let dot = 0;
      for (const i of nonzero) dot += (p[offset + i] as number) * (vector[i] as number);
      sig = (sig << 1) | (dot >= 0 ? 1 : 0);
    }
    fields.push(`${band}:${sig}`);
  }
  return fields;
}

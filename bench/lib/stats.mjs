/** Small statistics helpers: medians and ranges over repetitions, percentiles over latencies. */

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median, minimum and maximum of one measure over the repetitions; nulls (not measured) are skipped. */
export function summarize(values) {
  const measured = values.filter((value) => typeof value === 'number' && Number.isFinite(value));
  if (measured.length === 0) return null;
  return { median: median(measured), min: Math.min(...measured), max: Math.max(...measured), runs: measured };
}

/**
 * Latency samples in milliseconds, kept in a growable Float64Array so a 32-caller run with hundreds
 * of thousands of samples does not allocate an object per sample.
 */
export class LatencySamples {
  #values = new Float64Array(4096);
  #count = 0;

  add(milliseconds) {
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count++] = milliseconds;
  }

  get count() {
    return this.#count;
  }

  /** p50, p99 and max (nearest-rank percentiles), or nulls when nothing was recorded. */
  percentiles() {
    if (this.#count === 0) return { p50Ms: null, p99Ms: null, maxMs: null };
    const sorted = this.#values.slice(0, this.#count).sort();
    const rank = (fraction) => sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
    return { p50Ms: rank(0.5), p99Ms: rank(0.99), maxMs: sorted[sorted.length - 1] };
  }
}

/** a ÷ b, or null when either side is missing or b is zero. */
export function ratio(a, b) {
  if (typeof a !== 'number' || typeof b !== 'number' || b === 0) return null;
  return a / b;
}

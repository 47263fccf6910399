/** The smallest "nice" number (1, 2, 2.5 or 5 times a power of ten) that is >= value. */
export function niceCeiling(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 1;
  const exponent = Math.floor(Math.log10(value));
  const base = 10 ** exponent;
  for (const step of [1, 2, 2.5, 5, 10]) {
    const candidate = step * base;
    if (candidate >= value) return candidate;
  }
  return 10 * base;
}

/** Evenly spaced tick values from 0 to a nice maximum covering `max`. */
export function niceTicks(max: number, count = 4): number[] {
  const top = niceCeiling(Math.max(max, 1));
  let step = top / count;
  if (top >= count && !Number.isInteger(step)) step = niceCeiling(step);
  if (top < count) step = 1;
  const ticks: number[] = [];
  for (let value = 0; value <= top + 1e-9; value += step) ticks.push(Math.round(value * 100) / 100);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

export type ArcSegment = { key: string; start: number; length: number };

/** Splits a circle's circumference into segments proportional to the values. */
export function donutSegments(values: Array<{ key: string; value: number }>, circumference: number): ArcSegment[] {
  const total = values.reduce((sum, item) => sum + Math.max(0, item.value), 0);
  if (total === 0) return [];
  let start = 0;
  return values
    .filter((item) => item.value > 0)
    .map((item) => {
      const length = (item.value / total) * circumference;
      const segment = { key: item.key, start, length };
      start += length;
      return segment;
    });
}

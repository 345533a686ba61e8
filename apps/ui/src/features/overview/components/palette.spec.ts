import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERIES_PALETTES, seriesColors, type ThemeName } from './palette';

const channels = (hex: string): number[] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
const linear = (c: number): number => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);

/** WCAG relative luminance and contrast ratio. */
function luminance(hex: string): number {
  const [r = 0, g = 0, b = 0] = channels(hex).map(linear);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** CIE L*a*b* (D65) and the CIE76 distance: about 2 is barely visible, above 20 clearly another colour. */
function lab(hex: string): [number, number, number] {
  const [r = 0, g = 0, b = 0] = channels(hex).map(linear);
  const f = (t: number): number => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
  const y = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
  const z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}
function distance(a: string, b: string): number {
  const [p, q] = [lab(a), lab(b)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** The panel surfaces as the stylesheet sets them: the light one first, then the dark ones. */
function surfaces(): Record<ThemeName, string[]> {
  const appCss = readFileSync(new URL('../../../app/app.css', import.meta.url), 'utf8');
  const values = [...appCss.matchAll(/--surface:\s*(#[0-9a-fA-F]{6})\s*;/g)].map((match) => match[1] ?? '');
  const [light = '', ...dark] = values;
  return { light: [light], dark };
}

describe('the series palette', () => {
  it('reads on the panel surface of its theme (3:1 for graphics, WCAG 1.4.11)', () => {
    const bySurface = surfaces();
    expect(bySurface.dark.length).toBeGreaterThan(0);
    for (const theme of ['light', 'dark'] as const) {
      for (const surface of bySurface[theme]) {
        for (const color of SERIES_PALETTES[theme]) expect(contrast(color, surface), `${color} on ${surface}`).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it('has no two colours alike in either theme', () => {
    for (const theme of ['light', 'dark'] as const) {
      const palette = SERIES_PALETTES[theme];
      expect(new Set(palette).size).toBe(palette.length);
      for (const [i, a] of palette.entries()) {
        for (const b of palette.slice(i + 1)) expect(distance(a, b), `${theme}: ${a} vs ${b}`).toBeGreaterThan(20);
      }
    }
  });
});

describe('seriesColors', () => {
  it('gives syscall and k8s_audit the first two, clearly different colours', () => {
    for (const theme of ['light', 'dark'] as const) {
      const colorOf = seriesColors(['k8s_audit', 'syscall'], theme);
      expect(colorOf('syscall')).toBe(SERIES_PALETTES[theme][0]);
      expect(colorOf('k8s_audit')).toBe(SERIES_PALETTES[theme][1]);
      expect(distance(colorOf('syscall'), colorOf('k8s_audit'))).toBeGreaterThan(40);
    }
  });

  it('gives every value its own colour while there are no more values than colours', () => {
    const values = ['syscall', 'k8s_audit', 'okta', 'github', 'plugin-a', 'plugin-b', 'plugin-c', 'plugin-d'];
    const colorOf = seriesColors(values, 'light');
    expect(new Set(values.map(colorOf)).size).toBe(values.length);
  });

  it('agrees across charts: the same values in another order get the same colours', () => {
    const a = seriesColors(['syscall', 'custom', 'okta', 'k8s_audit'], 'dark');
    const b = seriesColors(['k8s_audit', 'okta', 'custom', 'syscall', 'okta'], 'dark');
    for (const value of ['syscall', 'custom', 'okta', 'k8s_audit']) expect(a(value)).toBe(b(value));
  });

  it('still colours values beyond the palette and values it was not given, from the palette', () => {
    const many = Array.from({ length: 12 }, (_, i) => `source-${i}`);
    const colorOf = seriesColors(many, 'light');
    for (const value of [...many, 'unseen']) expect(SERIES_PALETTES.light).toContain(colorOf(value));
  });
});

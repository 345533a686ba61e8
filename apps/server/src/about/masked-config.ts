import { maskedConfig, type OutputInstance } from '@peregrine/outputs';
import { maskConfig } from '../config/config.loader';
import type { AppConfig } from '../config/config.schema';

export type MaskedEffectiveConfig = AppConfig & { outputs: Record<string, { type: string; config: Record<string, unknown> }> };

/**
 * The effective configuration as it may be shown: every secret that is set becomes `********`
 * (the server's own keys and each output's). `peregrine config` and `GET /api/v1/about` both
 * print this, so what one masks the other masks.
 */
export function maskedEffectiveConfig(config: AppConfig, outputs: readonly OutputInstance[]): MaskedEffectiveConfig {
  return { ...maskConfig(config), outputs: Object.fromEntries(outputs.map((instance) => [instance.name, { type: instance.type, config: maskedConfig(instance) }])) };
}

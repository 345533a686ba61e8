export * from './priority';
export type { FalcoAlert } from './alert';

/** Injection tokens for values that are not classes. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const LOGGER = Symbol('LOGGER');

/** The outputs' HTTP thread (HttpThread), or undefined when no output is configured. */
export const DELIVERY_THREAD = Symbol('DELIVERY_THREAD');

/** Live pushes and sign-outs shared between replicas (ReplicaFanout), on PostgreSQL only. */
export const LIVE_FANOUT = Symbol('LIVE_FANOUT');

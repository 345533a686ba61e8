/** Injection tokens for values that are not classes. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const LOGGER = Symbol('LOGGER');

/** Delivery from the outbox (DeliveryControl): on its own thread (DeliveryThread) or on the event loop (Dispatcher). */
export const DELIVERY = Symbol('DELIVERY');

/** Live pushes and sign-outs shared between replicas (ReplicaFanout), on PostgreSQL only. */
export const LIVE_FANOUT = Symbol('LIVE_FANOUT');

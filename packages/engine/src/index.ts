export const ENGINE_PLACEHOLDER = true;

export const OUTPUTS_PLACEHOLDER = true;

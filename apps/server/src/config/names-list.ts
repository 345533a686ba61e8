/** Marks a list whose items may contain spaces (rule names), so env text is split on commas only: `.describe(NAMES_LIST)`. */
export const NAMES_LIST = 'comma-separated names, spaces kept';

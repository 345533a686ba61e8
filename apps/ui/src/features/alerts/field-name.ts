/**
 * A dotted field name (`ka.req.pod.spec.initContainers[0].image`) in the pieces a narrow column
 * may break it into: after each `.` and before each `[`, never inside a word, so a name wraps as
 * `ka.req.pod.spec.` / `initContainers[0].image` and not as `initContainers.im` / `age`.
 */
export function fieldNameParts(name: string): string[] {
  return name.split(/(?<=\.)|(?=\[)/).filter((part) => part !== '');
}

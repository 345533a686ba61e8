// Being built (issue #7): the page component the router mounts.
export function RulesPage() {
  return <section><h2>Rules</h2></section>;
}

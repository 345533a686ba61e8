// Being built (issue #7): the page component the router mounts.
export function OutputsPage() {
  return <section><h2>Outputs</h2></section>;
}

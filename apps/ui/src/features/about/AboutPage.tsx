// Being built (issue #7): the page component the router mounts.
export function AboutPage() {
  return <section><h2>About</h2></section>;
}

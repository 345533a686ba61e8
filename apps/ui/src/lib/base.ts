/**
 * The path the dashboard is served under ('' at the root, '/peregrine' behind an ingress),
 * read once from the `<base href>` the server writes into index.html. Every URL the dashboard
 * builds is relative to it, so deep links such as `/events/<uuid>` never shift them.
 */
export function dashboardBasePath(baseUri: string = document.baseURI): string {
  return new URL('.', baseUri).pathname.replace(/\/+$/, '');
}

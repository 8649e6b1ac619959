/**
 * Why `value` is not an https URL, or http to this machine (a test or a tunnel), if it is not:
 * credentials and images never cross a network in clear.
 */
export function httpsOrLoopbackProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL`;
  }
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) return undefined;
  return `"${value}" must use https (plain http only to a loopback address)`;
}

/**
 * Names become file names (`out/azure/<name>.sh`) and Kubernetes object names, so they are held
 * to the strictest rule both accept.
 */
const fileSafeName = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

/** A reason the name is unsafe as a file name, or undefined when it is safe. */
export function fileNameProblem(name: string): string | undefined {
  if (name.length === 0) return "the name is empty";
  if (name.length > 63) return `the name is ${name.length} characters long; at most 63 are allowed`;
  if (!fileSafeName.test(name)) {
    return "the name must start and end with a letter or digit and contain only letters, digits, '.', '_' and '-'";
  }
  return undefined;
}

const dnsLabel = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes DNS-1123 label (namespaces, policy names): lowercase alphanumerics and '-', ≤ 63. */
export function isDnsLabel(name: string): boolean {
  return dnsLabel.test(name);
}

/** Kubernetes DNS-1123 subdomain (object names such as Secrets), ≤ 253. */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && dnsSubdomain.test(name);
}

/** A Kubernetes label value: empty, or ≤ 63 alphanumerics with '-', '_', '.' inside. */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.test(value);
}

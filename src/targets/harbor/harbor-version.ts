/** A Harbor release, `major.minor[.patch]`. */
export interface HarborVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** `"2.15"` or `"2.15.1"` (a leading `v` allowed); undefined when it is not a version. */
export function parseHarborVersion(text: string): HarborVersion | undefined {
  const match = /^v?(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?$/.exec(text);
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

/** Whether `version` is `at` or later. */
export function atLeast(version: HarborVersion, at: HarborVersion): boolean {
  return version.major !== at.major ? version.major > at.major : version.minor !== at.minor ? version.minor > at.minor : version.patch >= at.patch;
}

export const v = (major: number, minor: number, patch = 0): HarborVersion => ({ major, minor, patch });

/** `2.12` or `2.15.1`: the patch only when it is not 0, as Harbor's release notes write it. */
export function formatHarborVersion({ major, minor, patch }: HarborVersion): string {
  return patch === 0 ? `${major}.${minor}` : `${major}.${minor}.${patch}`;
}

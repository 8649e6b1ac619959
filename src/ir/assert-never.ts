/** Makes a `switch` exhaustive: a new kind that some switch misses fails to compile there. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}

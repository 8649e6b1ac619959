/**
 * A Go `time.ParseDuration` string without a sign (`1h`, `1h30m`, `90s`, `0`): ESO reads
 * `refreshInterval` with it and rejects the whole ExternalSecret when it does not parse.
 */
const goDuration = /^(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;

export function isGoDuration(text: string): boolean {
  return goDuration.test(text);
}

/**
 * The `.dockerconfigjson` of a registry pull Secret, byte for byte as `kubectl create secret
 * docker-registry` writes it (kubectl v1.32, `create_secret_docker.go`): compact Go `json.Marshal`
 * of `{"auths":{server:{username,password,auth}}}` with no trailing newline, `auth` the standard
 * base64 of the UTF-8 bytes of `username:password`. Only the credentials target calls this, and
 * only with `--secrets`.
 */
export function dockerConfigJson(server: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`, "utf8").toString("base64");
  const entry = `{"username":${goJsonString(username)},"password":${goJsonString(password)},"auth":${goJsonString(auth)}}`;
  return `{"auths":{${goJsonString(server)}:${entry}}}`;
}

/** Characters Go's `json.Marshal` escapes but `JSON.stringify` leaves raw (HTML-safe escaping). */
const goOnlyEscapes = /[&<>\u2028\u2029]/g;

/**
 * A string as Go's `json.Marshal` encodes it: `JSON.stringify`'s escapes (both use `\b \f \n \r \t`
 * and lowercase `\u00xx` for other control characters) plus `\u0026 \u003c \u003e` for `& < >`
 * and `\u2028 \u2029`. Input is well-formed UTF-16: secret values are decoded strictly.
 */
export function goJsonString(value: string): string {
  return JSON.stringify(value).replace(goOnlyEscapes, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

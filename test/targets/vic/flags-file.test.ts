import { describe, expect, it } from "vitest";
import { caFileProblem, checkFlagsFile } from "../../../src/targets/vic/flags-file.ts";

describe("caFileProblem: CA paths that survive $(< file) and xargs unquoted", () => {
  it.each(["/home/admin/mycerts/ca.crt", "certs/ca.pem", "/opt/ca$1;&|().crt", "/srv/certificats/autorité.pem", "-odd.crt"])("accepts %j", (file) => {
    expect(caFileProblem(file)).toBeUndefined();
  });

  it.each([
    ["", "is empty"],
    ["/home/admin/my certs/ca.crt", "contains a blank"],
    ["/certs/ca.crt\n", "contains a blank"],
    ["/certs/it's.crt", "quote"],
    ['/certs/"ca".crt', "quote"],
    ["C:\\certs\\ca.crt", "backslash"],
    ["/certs/*.crt", "glob"],
    ["/certs/ca[1].crt", "glob"],
    ["/certs/ca?.crt", "glob"],
    ["~/certs/ca.crt", 'starts with "~"'],
  ])("rejects %j", (file, says) => {
    expect(caFileProblem(file)?.message).toContain(says);
  });
});

describe("checkFlagsFile: a template override may add lines, never change or drop one", () => {
  const words = ["--whitelist-registry=10.2.2.0/24", "--registry-ca=/a/ca.crt"];

  it("accepts the words in order, with added lines around them", () => {
    expect(() => checkFlagsFile("vic/vch1.flags", `${words.join("\n")}\n`, words)).not.toThrow();
    expect(() => checkFlagsFile("vic/vch1.flags", `--no-tlsverify\n${words.join("\n")}\n--debug=1\n`, words)).not.toThrow();
  });

  it.each([
    ["a dropped word", "--whitelist-registry=10.2.2.0/24\n"],
    ["a changed word", "--whitelist-registry 10.2.2.0/24\n--registry-ca=/a/ca.crt\n"],
    ["a reordered word", "--registry-ca=/a/ca.crt\n--whitelist-registry=10.2.2.0/24\n"],
  ])("refuses %s", (_, content) => {
    expect(() => checkFlagsFile("vic/vch1.flags", content, words)).toThrow(/vic\/vch1\.flags: the rendered flags do not contain/);
  });
});

import type { ProgramNode, SecretRefNode } from "../../ir/model.js";
import { requireSecretPair } from "../credentials/read-secret.js";
import type { HarborApiClient } from "./harbor-api-client.js";
import type { DesiredRobot } from "./harbor-plan.js";

/** A robot account as Harbor lists it (`Robot`). */
export interface LiveRobot {
  readonly id: number;
  readonly name: string;
  readonly description?: string;
  readonly level?: string;
  readonly duration?: number | null;
  readonly disable?: boolean;
  readonly permissions?: readonly { readonly kind?: string; readonly namespace?: string; readonly access?: readonly { readonly resource?: string; readonly action?: string }[] }[];
}

/** What the robot needs, and how to make it so. */
export interface RobotChange {
  /** One line per difference (`+ kube-pull (…)`); empty when in sync. */
  readonly lines: readonly string[];
  apply(): Promise<void>;
}

/** Harbor's rule for a secret chosen by the caller (`PATCH /robots/{id}`, handler/robot.go). */
const acceptedSecret = (secret: string): boolean => secret.length >= 8 && secret.length <= 128 && /[A-Z]/.test(secret) && /[a-z]/.test(secret) && /\d/.test(secret);

/** Harbor logs a robot in as `<prefix><name>` (default prefix `robot$`); the prefix is configurable, so match on `$<name>`. */
export const isRobot = (live: LiveRobot, name: string): boolean => live.name === name || live.name.endsWith(`$${name}`);

/** The line for a robot that does not exist yet. */
export function missingRobotLine(robot: DesiredRobot): string {
  return `+ ${robot.name} (system robot pulling from ${robot.permissions.length} ${robot.permissions.length === 1 ? "project" : "projects"}; secret: credential ${robot.feeds}'s password)`;
}

/**
 * What differs in an existing robot, its secret aside: permissions, description, disabled. A robot
 * of another level cannot be changed into a system robot, which is an error.
 */
export function robotFields(live: LiveRobot, robot: DesiredRobot): string[] {
  const { feeds: _feeds, ...body } = robot;
  if (live.level !== "system") {
    throw new Error(`robot ${live.name} is a ${live.level ?? "?"} robot, not a system robot, and Harbor cannot change that: delete it and apply again`);
  }
  return [
    ...(permissionKeys(live.permissions) === permissionKeys(body.permissions) ? [] : ["permissions"]),
    ...((live.description ?? "") === body.description ? [] : ["description"]),
    ...(live.disable === true ? ["disabled"] : []),
  ];
}

/** The pull permissions as comparable text: `namespace:resource:action`, sorted. */
function permissionKeys(permissions: LiveRobot["permissions"]): string {
  return (permissions ?? [])
    .flatMap(({ kind, namespace, access }) => (access ?? []).map(({ resource, action }) => `${kind ?? ""}/${namespace ?? ""}:${resource ?? ""}:${action ?? ""}`))
    .sort()
    .join(",");
}

function describeRef(ref: SecretRefNode): string {
  return ref.kind === "env" ? `environment variable ${ref.variable}` : ref.path;
}

/** A login: the pull credential's username and password, which the robot must accept. */
export interface RobotLogin {
  readonly username: string;
  readonly password: string;
}

/** The login of the credential the robot feeds, read once per run from where the policy says. */
export async function robotLogin(program: ProgramNode, robot: DesiredRobot): Promise<RobotLogin> {
  const name = robot.feeds;
  const credential = program.policies.flatMap((policy) => policy.credentials).find((candidate) => candidate.name === name);
  if (credential === undefined) throw new Error(`credential ${name}, which the robot feeds, is not in the policies`);
  const delivery = credential.delivery;
  if (delivery.kind !== "kubernetes-secret") {
    throw new Error(
      `credential ${name} is delivered by an ExternalSecret (${delivery.store.name}, ${delivery.remoteKey}): regfence cannot read or write that store, so it cannot give the robot the secret the cluster will use; create the robot and store its secret there`,
    );
  }
  const login = await requireSecretPair(delivery, name);
  if (!acceptedSecret(login.password)) {
    throw new Error(
      `the password of credential ${name} (${describeRef(delivery.password)}) is not a robot secret Harbor accepts: 8 to 128 characters with an upper-case letter, a lower-case letter and a digit`,
    );
  }
  return login;
}

/**
 * The pull robot's difference from the live Harbor. The robot's secret is the password the pull
 * credential already reads (so the Secret `compile --secrets` writes and the robot agree, and no
 * secret Harbor generates has to be stored anywhere): a new robot gets it with `PATCH`, and an
 * existing one is checked by logging in with it at Harbor's token service, as a container runtime does.
 */
export async function robotChange(client: HarborApiClient, robot: DesiredRobot, { username, password }: RobotLogin): Promise<RobotChange> {
  const { feeds: _feeds, ...body } = robot;
  const live = (await client.list<LiveRobot>("/robots")).find((candidate) => isRobot(candidate, robot.name));
  const firstProject = robot.permissions[0]?.namespace;
  const scope = `repository:${firstProject ?? "library"}/regfence-login-check:pull`;
  const pin = async (id: number) => {
    await client.send("PATCH", `/robots/${id}`, { secret: password });
  };
  if (live === undefined) {
    return {
      lines: [missingRobotLine(robot)],
      async apply() {
        const created = await client.send<{ id?: number; name?: string }>("POST", "/robots", body);
        if (created?.id === undefined) throw new Error(`POST /robots: Harbor answered without the robot's id`);
        await pin(created.id);
        if (created.name !== username) throw new Error(`the robot logs in as ${created.name ?? "?"}, but credential ${robot.feeds}'s username is not that: set it to ${created.name ?? "the robot's name"}`);
      },
    };
  }
  if (live.name !== username) throw new Error(`the robot logs in as ${live.name}, but credential ${robot.feeds}'s username is not that: set it to ${live.name}`);
  const fields = robotFields(live, robot);
  const secretMatches = await client.logsIn(username, password, scope);
  const lines = [...(fields.length === 0 ? [] : [`~ ${live.name}: ${fields.join(", ")}`]), ...(secretMatches ? [] : [`~ ${live.name}: secret is not credential ${robot.feeds}'s password`])];
  return {
    lines,
    async apply() {
      if (fields.length > 0) {
        await client.send("PUT", `/robots/${live.id}`, { id: live.id, name: live.name, level: "system", duration: live.duration ?? -1, description: body.description, disable: false, permissions: body.permissions });
      }
      if (!secretMatches) await pin(live.id);
    },
  };
}

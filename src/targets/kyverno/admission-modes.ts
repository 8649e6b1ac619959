import type { AdmissionNode } from "../../ir/model.js";

/** Whether a failed check denies the Pod, per admission mode (Audit only reports). A new mode must decide here. */
export const deniesPods: Readonly<Record<AdmissionNode["mode"], boolean>> = { Enforce: true, Audit: false };

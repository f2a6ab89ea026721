// What the synth adds to the bare render: the footprint, the policy verdict and the authorization matrix.
import { buildAuthzMatrix } from "../../components/istio/authz-matrix";
import { AUTHZ_OPTIONS } from "../authz";
import { checkPulumiResources } from "../../policy/check";
import { shippedPackConfig } from "../../policy/config-files";
import { renderMarkdownVerdict } from "../../policy/report";
import type { Environment, Finding } from "../../policy/rules/types";
import { footprintSection } from "./footprint";
import { peakSection } from "./footprint-peak";
import { imagesSection } from "./images";
import { chartObjectsSection } from "./rendered-charts/summary";
import { Render } from "./render";
import { SummarySection, synthFiles } from "./synth-output";

function environmentOf(render: Render): Environment {
    const env = render.outputs.environment;
    return env === "dev" || env === "staging" || env === "prod" ? env : "prod";
}

/** Every policy rule over the stack's resources, with the pack config CrossGuard gets for this environment. */
export function policyFindings(render: Render): Finding[] {
    const env = environmentOf(render);
    return checkPulumiResources(render.resources, { env, config: shippedPackConfig(env) });
}

export const policySection: SummarySection = (render) => `## Policy checks\n\n${renderMarkdownVerdict(policyFindings(render), { title: render.stack })}`;

/** All files of a synth: resources.json, manifests.yaml, summary.md and authz-matrix.md. */
export function allSynthFiles(render: Render): Record<string, string> {
    return {
        ...synthFiles(render, [footprintSection, peakSection, imagesSection, policySection, chartObjectsSection]),
        // The same workloads, root namespace and path normalization as `npm run authz -- --matrix`.
        "authz-matrix.md": buildAuthzMatrix(render.manifests, AUTHZ_OPTIONS),
    };
}

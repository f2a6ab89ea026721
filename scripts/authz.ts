// npm run --silent authz -- --stack <env> --from <principal|anonymous|namespace/workload> --to <namespace>/<workload|service|app> --port <n> [--method <M>] [--path <p>] [--host <h>] [--request-principal <iss>/<sub>]
// npm run --silent authz -- --stack <env> --matrix
// Answers "would this request be allowed?" from the stack's rendered AuthorizationPolicies, offline.
// Prints one JSON line {"decision","policy","reason"} and exits 0 (DENY included); bad arguments exit 2.
import { KubeObject } from "../components/k8s";
import { AuthzDecision, AuthzRequest, evaluateRequest, PATH_NORMALIZATIONS, PathNormalization } from "../components/istio/authz";
import { edgeRejectionsFrom } from "../components/istio/authz-edge";
import { jwtIssuersAt, requestAuthAt, requestAuthenticationsFrom } from "../components/istio/authz-jwt";
import { authorizationPoliciesFrom, buildAuthzMatrix, gatewayWorkload, MatrixProbes, MeshWorkload, resolveTargets, WorkloadOptions, workloadsFromManifests } from "../components/istio/authz-matrix";
import { gatewaySelector, PATH_NORMALIZATION } from "../components/mesh/builders";
import { INGRESS_GATEWAY_NAME, INGRESS_NAMESPACE, ISTIO_ROOT_NAMESPACE, TRUST_DOMAIN } from "../components/mesh/topology";
import { parseArgs, UsageError } from "./lib/args";

const STACKS = ["dev", "staging", "prod", "local"];
const USAGE =
    "usage: npm run --silent authz -- --stack <dev|staging|prod|local> (--from <principal|anonymous|namespace/workload> --to <namespace>/<workload|service|app> --port <n> [--method <M>] [--path <p>] [--host <h>] [--request-principal <iss>/<sub>] | --matrix)";
const FLAGS = { stack: "string", from: "string", to: "string", port: "string", method: "string", path: "string", host: "string", "request-principal": "string", matrix: "boolean" } as const;

export interface AuthzCliArgs {
    stack: string;
    matrix: boolean;
    from?: string;
    to?: string;
    port?: number;
    method?: string;
    path?: string;
    host?: string;
    /** `<iss>/<sub>` of a valid token the request carries (the JWT a client sends through the gateway). */
    requestPrincipal?: string;
}

export interface CliResult {
    code: number;
    stdout: string;
    stderr: string;
}

const PRINCIPAL = /^[^/\s]+\/ns\/[^/\s]+\/sa\/[^/\s]+$/;
/** A path under /api that no public client calls (admin refunds), probed in every matrix. */
export const OUTSIDE_PUBLIC_API_PROBE = "/api/admin/refunds";
/** The review's %2F walk out of a public `{*}` segment: refused at the edge (payments-edge's first route). */
export const ESCAPED_SLASH_PROBE = "/api/payments/x%2F..%2Fadmin%2Frefunds";
const WORKLOAD_REF = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/**
 * The ingress gateway is a Helm release, so its pods are not among the manifests; describe it from the
 * mesh topology so it can be a target (--to istio-ingress/istio-ingressgateway). TLS ends at the gateway,
 * so 443 is evaluated as HTTP like 80.
 */
export const MESH_WORKLOADS: WorkloadOptions = {
    trustDomain: TRUST_DOMAIN,
    extraWorkloads: [
        gatewayWorkload({
            namespace: INGRESS_NAMESPACE,
            name: INGRESS_GATEWAY_NAME,
            labels: gatewaySelector(),
            trustDomain: TRUST_DOMAIN,
            ports: [
                { port: 80, name: "http2", protocol: "HTTP" },
                { port: 443, name: "https", protocol: "HTTP" },
            ],
        }),
    ],
};

function meshPathNormalization(): PathNormalization {
    const mode = PATH_NORMALIZATION as PathNormalization;
    if (!PATH_NORMALIZATIONS.includes(mode)) throw new Error(`the mesh's path normalization "${PATH_NORMALIZATION}" is not one the evaluator knows`);
    return mode;
}

/**
 * Everything the evaluator must know about the mesh: the workloads outside the manifests, the
 * root namespace and the path normalization istiod configures every proxy with. The command and
 * the synth's authz-matrix.md both use it, so they give the same answers.
 */
export const AUTHZ_OPTIONS: MatrixProbes = {
    ...MESH_WORKLOADS,
    rootNamespace: ISTIO_ROOT_NAMESPACE,
    pathNormalization: meshPathNormalization(),
    // An operator path outside the public API, and one reached through an escaped slash: the
    // matrix shows the edge kept out of both.
    extraPaths: [OUTSIDE_PUBLIC_API_PROBE, ESCAPED_SLASH_PROBE],
};

/** Validates flags; throws UsageError naming the flag. */
export function parseAuthzArgs(argv: string[]): AuthzCliArgs {
    const a = parseArgs(argv, FLAGS, USAGE);
    if (a._.length > 0) throw new UsageError(`unexpected argument "${a._[0]}"`);
    if (!a.stack || !STACKS.includes(a.stack)) throw new UsageError(`--stack must be one of ${STACKS.join(", ")}${a.stack ? ` (got "${a.stack}")` : ""}`);
    if (a.matrix) {
        const extra = (["from", "to", "port", "method", "path", "host", "request-principal"] as const).find((k) => a[k] !== undefined);
        if (extra) throw new UsageError(`--matrix cannot be combined with --${extra}`);
        return { stack: a.stack, matrix: true };
    }
    if (!a.from) throw new UsageError("--from is required (a principal like cluster.local/ns/payments/sa/payments-frontend, anonymous, or namespace/workload)");
    if (a.from !== "anonymous" && !PRINCIPAL.test(a.from) && !WORKLOAD_REF.test(a.from)) {
        throw new UsageError(`--from must be "<trust-domain>/ns/<namespace>/sa/<service-account>", "anonymous" or "<namespace>/<workload>" (got "${a.from}")`);
    }
    if (!a.to) throw new UsageError("--to is required (<namespace>/<workload, Service or app label>)");
    if (!WORKLOAD_REF.test(a.to)) throw new UsageError(`--to must be "<namespace>/<workload, Service or app label>" (got "${a.to}")`);
    if (a.port === undefined) throw new UsageError("--port is required");
    const port = Number(a.port);
    if (!/^\d+$/.test(a.port) || port < 1 || port > 65535) throw new UsageError(`--port must be an integer 1-65535 (got "${a.port}")`);
    if (a.method !== undefined && !/^[A-Z][A-Z-]*$/.test(a.method)) throw new UsageError(`--method must be an uppercase HTTP method such as GET (got "${a.method}")`);
    if (a.path !== undefined && !a.path.startsWith("/")) throw new UsageError(`--path must start with "/" (got "${a.path}")`);
    if (a.host !== undefined && a.host.length === 0) throw new UsageError("--host must not be empty");
    const requestPrincipal = a["request-principal"];
    if (requestPrincipal !== undefined && !/^\S+\/\S+$/.test(requestPrincipal)) throw new UsageError(`--request-principal must be "<iss>/<sub>", e.g. https://auth.dodopayments.com/user-1 (got "${requestPrincipal}")`);
    return { stack: a.stack, matrix: false, from: a.from, to: a.to, port, method: a.method, path: a.path, host: a.host, ...(requestPrincipal ? { requestPrincipal } : {}) };
}

/**
 * The port the destination's sidecar sees. A Service port (frontend-service:80) is mapped to the
 * container port it forwards to (8080): AuthorizationPolicy ports match that one.
 */
function podPort(target: MeshWorkload, port: number, notes: string[]): number {
    if (target.ports.some((p) => p.port === port)) return port;
    const mapped = [...new Set(target.servicePorts.filter((sp) => sp.port === port).map((sp) => sp.targetPort))];
    if (mapped.length === 1) {
        const services = target.servicePorts.filter((sp) => sp.port === port).map((sp) => sp.service);
        notes.push(`port ${port} is Service ${[...new Set(services)].join(", ")}'s port; the sidecar of ${target.name} sees container port ${mapped[0]}, which was evaluated`);
        return mapped[0];
    }
    return port;
}

function evaluateOn(target: MeshWorkload, args: AuthzCliArgs & { port: number }, principal: string | undefined, manifests: KubeObject[]): AuthzDecision & { port: number } {
    const notes: string[] = [];
    const port = podPort(target, args.port, notes);
    const declared = target.ports.find((p) => p.port === port);
    const protocol = declared?.protocol ?? (args.method || args.path || args.host ? "HTTP" : "TCP");
    if (!declared) {
        const containerPorts = target.ports.map((p) => p.port).join(", ") || "none";
        notes.push(`port ${args.port} is neither a container port of ${target.namespace}/${target.name} (${containerPorts}) nor a Service port forwarding to one; evaluated as ${protocol}`);
    }
    if (protocol === "TCP" && (args.method || args.path || args.host)) notes.push(`port ${port} is TCP, so --method/--path/--host are not visible to the proxy`);
    const ras = requestAuthenticationsFrom(manifests);
    const { auth, note } = requestAuthAt(args.requestPrincipal, target, ras, AUTHZ_OPTIONS.rootNamespace);
    if (note) notes.push(note);
    const issuers = jwtIssuersAt(target, ras, AUTHZ_OPTIONS.rootNamespace);
    if (args.requestPrincipal === undefined && issuers.length > 0) {
        notes.push(`evaluated without a token; ${target.name} validates tokens of ${issuers.join(", ")}: add --request-principal <iss>/<sub> for a request that carries one`);
    }
    const request: AuthzRequest = {
        source: principal ? { principal } : {},
        destination: { namespace: target.namespace, labels: target.labels },
        port,
        protocol,
        method: protocol === "HTTP" ? (args.method ?? "GET") : undefined,
        path: protocol === "HTTP" ? (args.path ?? "/") : undefined,
        host: protocol === "HTTP" ? args.host : undefined,
        ...(auth && protocol === "HTTP" ? { auth } : {}),
    };
    const edgeRejections = edgeRejectionsFrom(manifests, workloadsFromManifests(manifests, AUTHZ_OPTIONS));
    const decision = evaluateRequest(authorizationPoliciesFrom(manifests), request, { ...AUTHZ_OPTIONS, edgeRejections });
    return { ...(notes.length > 0 ? { ...decision, reason: `${decision.reason}; ${notes.join("; ")}` } : decision), port };
}

/**
 * Evaluates parsed args against a stack's manifests. --to may name a workload, a Service or an
 * `app` label; when it stands for several workloads (backend -> backend-v1, backend-v2) each is
 * evaluated and the answer is given only if they agree. Unknown workloads are usage errors.
 */
export function decide(args: AuthzCliArgs, manifests: KubeObject[]): AuthzDecision {
    if (args.from === undefined || args.to === undefined || args.port === undefined) throw new UsageError("--from, --to and --port are required");
    let targets: { workloads: MeshWorkload[]; via: string };
    let principal: string | undefined;
    try {
        targets = resolveTargets(args.to, manifests, AUTHZ_OPTIONS);
        if (args.from === "anonymous") principal = undefined;
        else if (PRINCIPAL.test(args.from)) principal = args.from;
        else {
            const callers = resolveTargets(args.from, manifests, AUTHZ_OPTIONS).workloads;
            const identities = [...new Set(callers.map((w) => w.principal))];
            if (identities.length > 1) throw new Error(`--from ${args.from} stands for workloads with different identities (${identities.join(", ")}); name one workload`);
            principal = identities[0];
        }
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
    const port = args.port;
    const answers = targets.workloads.map((w) => ({ workload: w, decision: evaluateOn(w, { ...args, port }, principal, manifests) }));
    if (answers.length === 1) {
        const { decision, policy, reason } = answers[0].decision;
        return { decision, policy, reason };
    }
    const names = answers.map((a) => a.workload.name).join(", ");
    const agree = answers.every((a) => a.decision.decision === answers[0].decision.decision && a.decision.policy === answers[0].decision.policy);
    if (!agree) {
        const each = answers.map((a) => `${a.workload.name}: ${a.decision.decision}`).join(", ");
        throw new UsageError(`--to ${args.to} (${targets.via}) stands for ${names}, which answer differently (${each}); name one of them`);
    }
    const first = answers[0].decision;
    return { decision: first.decision, policy: first.policy, reason: `${first.reason}; --to ${args.to} (${targets.via}) stands for ${names}, which all answer ${first.decision}` };
}

/** The whole command without process side effects; `load` renders a stack's manifests. */
export async function runAuthzCli(argv: string[], load: (stack: string) => Promise<KubeObject[]>): Promise<CliResult> {
    let args: AuthzCliArgs;
    try {
        args = parseAuthzArgs(argv);
    } catch (err) {
        return usageFailure(err);
    }
    let manifests: KubeObject[];
    try {
        manifests = await load(args.stack);
    } catch (err) {
        return { code: 1, stdout: "", stderr: `error: cannot render stack ${args.stack}: ${firstLine(err)}\n` };
    }
    try {
        if (args.matrix) return { code: 0, stdout: buildAuthzMatrix(manifests, AUTHZ_OPTIONS), stderr: "" };
        const d = decide(args, manifests);
        return { code: 0, stdout: `${JSON.stringify({ decision: d.decision, policy: d.policy, reason: d.reason })}\n`, stderr: "" };
    } catch (err) {
        if (err instanceof UsageError) return usageFailure(err, false);
        return { code: 1, stdout: "", stderr: `error: ${firstLine(err)}\n` };
    }
}

function firstLine(err: unknown): string {
    return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}

function usageFailure(err: unknown, withUsage = true): CliResult {
    if (!(err instanceof UsageError)) throw err;
    return { code: 2, stdout: "", stderr: `error: ${firstLine(err)}${withUsage ? ` (${USAGE})` : ""}\n` };
}

async function loadManifests(stack: string): Promise<KubeObject[]> {
    // Loaded lazily so tests of runAuthzCli never pull in the Pulumi program.
    const { renderStack } = await import("./lib/render");
    return (await renderStack(stack)).manifests;
}

if (require.main === module) {
    runAuthzCli(process.argv.slice(2), loadManifests).then(
        (r) => {
            process.stdout.write(r.stdout);
            process.stderr.write(r.stderr);
            process.exitCode = r.code;
        },
        (err: unknown) => {
            process.stderr.write(`error: ${firstLine(err)}\n`);
            process.exitCode = 1;
        },
    );
}

// npm run --silent authz -- --stack <env> --from <principal|anonymous|namespace/workload> --to <namespace>/<workload> --port <n> [--method <M>] [--path <p>] [--host <h>]
// npm run --silent authz -- --stack <env> --matrix
// Answers "would this request be allowed?" from the stack's rendered AuthorizationPolicies, offline.
// Prints one JSON line {"decision","policy","reason"} and exits 0 (DENY included); bad arguments exit 2.
import { KubeObject } from "../components/k8s";
import { AuthzDecision, AuthzRequest, evaluateRequest } from "../components/istio/authz";
import { authorizationPoliciesFrom, buildAuthzMatrix, gatewayWorkload, resolveTarget, WorkloadOptions } from "../components/istio/authz-matrix";
import { gatewaySelector } from "../components/mesh/builders";
import { INGRESS_GATEWAY_NAME, INGRESS_NAMESPACE, ISTIO_ROOT_NAMESPACE, TRUST_DOMAIN } from "../components/mesh/topology";
import { parseArgs, UsageError } from "./lib/args";

const STACKS = ["dev", "staging", "prod"];
const USAGE =
    "usage: npm run --silent authz -- --stack <dev|staging|prod> (--from <principal|anonymous|namespace/workload> --to <namespace>/<workload> --port <n> [--method <M>] [--path <p>] [--host <h>] | --matrix)";
const FLAGS = { stack: "string", from: "string", to: "string", port: "string", method: "string", path: "string", host: "string", matrix: "boolean" } as const;

export interface AuthzCliArgs {
    stack: string;
    matrix: boolean;
    from?: string;
    to?: string;
    port?: number;
    method?: string;
    path?: string;
    host?: string;
}

export interface CliResult {
    code: number;
    stdout: string;
    stderr: string;
}

const PRINCIPAL = /^[^/\s]+\/ns\/[^/\s]+\/sa\/[^/\s]+$/;
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

/** Validates flags; throws UsageError naming the flag. */
export function parseAuthzArgs(argv: string[]): AuthzCliArgs {
    const a = parseArgs(argv, FLAGS, USAGE);
    if (a._.length > 0) throw new UsageError(`unexpected argument "${a._[0]}"`);
    if (!a.stack || !STACKS.includes(a.stack)) throw new UsageError(`--stack must be one of ${STACKS.join(", ")}${a.stack ? ` (got "${a.stack}")` : ""}`);
    if (a.matrix) {
        const extra = (["from", "to", "port", "method", "path", "host"] as const).find((k) => a[k] !== undefined);
        if (extra) throw new UsageError(`--matrix cannot be combined with --${extra}`);
        return { stack: a.stack, matrix: true };
    }
    if (!a.from) throw new UsageError("--from is required (a principal like cluster.local/ns/payments/sa/payments-frontend, anonymous, or namespace/workload)");
    if (a.from !== "anonymous" && !PRINCIPAL.test(a.from) && !WORKLOAD_REF.test(a.from)) {
        throw new UsageError(`--from must be "<trust-domain>/ns/<namespace>/sa/<service-account>", "anonymous" or "<namespace>/<workload>" (got "${a.from}")`);
    }
    if (!a.to) throw new UsageError("--to is required (<namespace>/<workload>)");
    if (!WORKLOAD_REF.test(a.to)) throw new UsageError(`--to must be "<namespace>/<workload>" (got "${a.to}")`);
    if (a.port === undefined) throw new UsageError("--port is required");
    const port = Number(a.port);
    if (!/^\d+$/.test(a.port) || port < 1 || port > 65535) throw new UsageError(`--port must be an integer 1-65535 (got "${a.port}")`);
    if (a.method !== undefined && !/^[A-Z][A-Z-]*$/.test(a.method)) throw new UsageError(`--method must be an uppercase HTTP method such as GET (got "${a.method}")`);
    if (a.path !== undefined && !a.path.startsWith("/")) throw new UsageError(`--path must start with "/" (got "${a.path}")`);
    if (a.host !== undefined && a.host.length === 0) throw new UsageError("--host must not be empty");
    return { stack: a.stack, matrix: false, from: a.from, to: a.to, port, method: a.method, path: a.path, host: a.host };
}

/** Evaluates parsed args against a stack's manifests. Unknown workloads are usage errors. */
export function decide(args: AuthzCliArgs, manifests: KubeObject[]): AuthzDecision {
    if (args.from === undefined || args.to === undefined || args.port === undefined) throw new UsageError("--from, --to and --port are required");
    let target;
    let principal: string | undefined;
    try {
        target = resolveTarget(args.to, manifests, MESH_WORKLOADS);
        if (args.from === "anonymous") principal = undefined;
        else if (PRINCIPAL.test(args.from)) principal = args.from;
        else principal = resolveTarget(args.from, manifests, MESH_WORKLOADS).principal;
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
    const declared = target.ports.find((p) => p.port === args.port);
    const notes: string[] = [];
    const protocol = declared?.protocol ?? (args.method || args.path || args.host ? "HTTP" : "TCP");
    if (!declared) notes.push(`port ${args.port} is not declared by ${args.to}; evaluated as ${protocol}`);
    if (protocol === "TCP" && (args.method || args.path || args.host)) notes.push(`port ${args.port} is TCP, so --method/--path/--host are not visible to the proxy`);
    const request: AuthzRequest = {
        source: principal ? { principal } : {},
        destination: { namespace: target.namespace, labels: target.labels },
        port: args.port,
        protocol,
        method: protocol === "HTTP" ? (args.method ?? "GET") : undefined,
        path: protocol === "HTTP" ? (args.path ?? "/") : undefined,
        host: protocol === "HTTP" ? args.host : undefined,
    };
    const decision = evaluateRequest(authorizationPoliciesFrom(manifests), request, { rootNamespace: ISTIO_ROOT_NAMESPACE });
    return notes.length > 0 ? { ...decision, reason: `${decision.reason}; ${notes.join("; ")}` } : decision;
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
        if (args.matrix) return { code: 0, stdout: buildAuthzMatrix(manifests, { ...MESH_WORKLOADS, rootNamespace: ISTIO_ROOT_NAMESPACE }), stderr: "" };
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

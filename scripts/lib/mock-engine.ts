// Runs a Pulumi program in-process under mocks and records every resource it registers, with
// its inputs, parent, dependsOn and provider. The offline synth and the test harness share it.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { MOCK_ACCOUNT, MOCK_DEPLOYER_ROLE, mockCaller } from "./mock-caller";
import type { MockCaller } from "./mock-caller";

export interface RegisteredResource {
    type: string;
    name: string;
    /** `<type>::<name>`, unique in a stack. */
    ref: string;
    parent: string | null;
    dependsOn: string[];
    provider: string | null;
    /** True for custom (provider-backed) resources, false for components. */
    custom: boolean;
    /** The resource's inputs; secret values are replaced by "[secret]". */
    props: Record<string, unknown>;
}

export interface ProgramRun {
    resources: RegisteredResource[];
    outputs: Record<string, unknown>;
}

export interface RunOptions {
    project: string;
    stack: string;
    /** Fully qualified config (`project:key` -> string as the CLI passes it). */
    config: Record<string, string>;
    secretKeys?: string[];
    /** Keep secret inputs' values instead of "[secret]" (the conformance compares them with the cluster). */
    revealSecrets?: boolean;
}

export const SECRET = "[secret]";
export { MOCK_ACCOUNT, MOCK_DEPLOYER_ROLE, mockCaller };

// How the SDK marks a secret value once it is deserialized in the mock monitor.
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Replaces secret values with "[secret]" (or their value, with `reveal`) and drops undefined fields, recursively. */
export function redactSecrets(value: unknown, reveal = false): unknown {
    if (Array.isArray(value)) return value.map((v) => redactSecrets(v, reveal));
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[SIG_KEY] === SECRET_SIG) return reveal ? redactSecrets(record.value, reveal) : SECRET;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(record)) {
            if (v !== undefined) out[k] = redactSecrets(v, reveal);
        }
        return out;
    }
    return value;
}

function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[SIG_KEY] === SECRET_SIG) return unwrapSecrets(record.value);
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** `urn:pulumi:stack::project::parent$type::name::id` -> `type::name`. */
export function refFromProviderReference(reference: string): string | null {
    if (!reference) return null;
    const urn = reference.slice(0, reference.lastIndexOf("::"));
    const parts = urn.split("::");
    const name = parts[parts.length - 1];
    const type = parts[parts.length - 2].split("$").pop()!;
    return `${type}::${name}`;
}

/** Deterministic outputs for the resources whose computed fields the program reads. */
function mockState(type: string, name: string, inputs: Record<string, unknown>, region: string): { id: string; state: Record<string, unknown> } {
    const plain = unwrapSecrets(inputs) as Record<string, unknown>;
    const physical = typeof plain.name === "string" ? plain.name : name;
    const arn = (service: string, resource: string, global = false) =>
        `arn:aws:${service}:${global ? "" : region}:${MOCK_ACCOUNT}:${resource}`;
    const state: Record<string, unknown> = { ...inputs };
    let id = `${name}-id`;
    switch (type) {
        case "aws:eks/cluster:Cluster":
            Object.assign(state, {
                arn: arn("eks", `cluster/${physical}`),
                endpoint: `https://${physical.toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
                certificateAuthority: { data: Buffer.from(`mock-ca-${physical}`).toString("base64") },
                identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/${physical.toUpperCase()}` }] }],
                vpcConfig: { ...(plain.vpcConfig as object), clusterSecurityGroupId: `sg-${physical}-cluster` },
            });
            id = physical;
            break;
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
            const url = String(plain.url ?? "").replace(/^https:\/\//, "");
            Object.assign(state, { arn: arn("iam", `oidc-provider/${url}`, true), url });
            break;
        }
        case "aws:iam/role:Role":
            Object.assign(state, { name: physical, arn: arn("iam", `role/${physical}`, true) });
            id = physical;
            break;
        case "aws:iam/policy:Policy":
            Object.assign(state, { arn: arn("iam", `policy/${physical}`, true) });
            break;
        case "aws:kms/key:Key":
            Object.assign(state, { keyId: `${name}-key-id`, arn: arn("kms", `key/${name}-key-id`) });
            break;
        case "aws:cloudwatch/logGroup:LogGroup":
            Object.assign(state, { arn: arn("logs", `log-group:${physical}`) });
            break;
        case "aws:ec2/launchTemplate:LaunchTemplate":
            Object.assign(state, { latestVersion: 1, arn: arn("ec2", `launch-template/${name}`) });
            break;
        case "aws:s3/bucketV2:BucketV2":
        case "aws:s3/bucket:Bucket": {
            const bucket = typeof plain.bucket === "string" ? plain.bucket : name;
            Object.assign(state, { bucket, arn: `arn:aws:s3:::${bucket}`, region });
            id = bucket;
            break;
        }
        case "aws:rds/parameterGroup:ParameterGroup":
            // The provider completes namePrefix with a unique suffix, and the instance names the result.
            if (typeof plain.name !== "string" && typeof plain.namePrefix === "string") Object.assign(state, { name: `${plain.namePrefix}mock` });
            break;
        case "aws:rds/instance:Instance": {
            // What RDS reports: the endpoint and the managed master user secret.
            const identifier = String(plain.identifier ?? name);
            const address = `${identifier}.cmock0000001.${region}.rds.amazonaws.com`;
            Object.assign(state, {
                address,
                endpoint: `${address}:5432`,
                arn: arn("rds", `db:${identifier}`),
                masterUserSecrets: [{ secretArn: arn("secretsmanager", `secret:rds!db-${identifier}-Mock01`), kmsKeyId: String(plain.masterUserSecretKmsKeyId ?? ""), secretStatus: "active" }],
            });
            id = identifier;
            break;
        }
        case "aws:sqs/queue:Queue":
            Object.assign(state, { arn: arn("sqs", physical), url: `https://sqs.${region}.amazonaws.com/${MOCK_ACCOUNT}/${physical}` });
            break;
        case "aws:iam/instanceProfile:InstanceProfile":
            Object.assign(state, { name: physical, arn: arn("iam", `instance-profile/${physical}`, true) });
            break;
        case "aws:cloudwatch/eventRule:EventRule":
            Object.assign(state, { arn: arn("events", `rule/${physical}`) });
            break;
        case "aws:route53/zone:Zone":
            Object.assign(state, { zoneId: `Z${name.toUpperCase()}`, arn: `arn:aws:route53:::hostedzone/Z${name.toUpperCase()}` });
            break;
        case "kubernetes:core/v1:Service": {
            // What the AWS Load Balancer Controller reports once the NLB exists.
            const spec = (plain.spec ?? {}) as { type?: string };
            const meta = (plain.metadata ?? {}) as { name?: string; namespace?: string };
            if (spec.type === "LoadBalancer") {
                const id = createHash("sha256").update(`${meta.namespace}/${meta.name}`).digest("hex").slice(0, 16);
                state.status = { loadBalancer: { ingress: [{ hostname: `k8s-${(meta.namespace ?? "default").slice(0, 8)}-${(meta.name ?? name).slice(0, 8)}-${id}.elb.${region}.amazonaws.com` }] } };
            }
            break;
        }
        case "pulumi:pulumi:StackReference":
            // Another stack's outputs: an eks-mode stack of this project exports its kubeconfig.
            Object.assign(state, { outputs: { kubeconfig: `{"apiVersion":"v1","kind":"Config","clusters":[{"name":"${String(plain.name)}"}]}` }, secretOutputNames: [] });
            break;
        case "random:index/randomPassword:RandomPassword":
            Object.assign(state, { result: `mock-password-${name}` });
            break;
        default:
            if (type.startsWith("aws:")) state.arn = arn(type.split(":")[1].split("/")[0], `${name}`);
    }
    return { id, state };
}

function mockCall(token: string, inputs: Record<string, unknown>, region: string, caller: MockCaller): Record<string, unknown> {
    switch (token) {
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return { names: ["a", "b", "c"].map((z) => `${region}${z}`), zoneIds: ["1", "2", "3"].map((z) => `mock-az${z}`), id: region };
        case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com` };
        case "aws:index/getCallerIdentity:getCallerIdentity": {
            const account = caller.session.split(":")[4];
            return { accountId: account, arn: caller.session, userId: "MOCK:ci", id: account };
        }
        case "aws:iam/getSessionContext:getSessionContext": {
            const arn = String(inputs.arn ?? "");
            const role = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
            return role
                ? { arn, issuerArn: arn === caller.session ? caller.role : `arn:aws:iam::${role[1]}:role/${role[2]}`, issuerName: role[2], sessionName: role[3], issuerId: "MOCK", id: arn }
                : { arn, issuerArn: arn, issuerName: arn.split("/").pop(), sessionName: "", issuerId: "MOCK", id: arn };
        }
        case "aws:route53/getZone:getZone": {
            // A stable, zone-ID-shaped value derived from the name.
            const name = String(inputs.name ?? "");
            const id = `Z${createHash("sha256").update(name).digest("hex").toUpperCase().slice(0, 20)}`;
            return { zoneId: id, name, id, arn: `arn:aws:route53:::hostedzone/${id}`, privateZone: false, nameServers: [] };
        }
        case "aws:secretsmanager/getSecret:getSecret": {
            // A secret the operator created: Secrets Manager appends 6 random characters to the ARN.
            const name = String(inputs.name ?? "");
            const suffix = createHash("sha256").update(name).digest("base64url").replace(/[-_]/g, "x").slice(0, 6);
            return { arn: `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT}:secret:${name}-${suffix}`, name, kmsKeyId: "", id: name, tags: {} };
        }
        case "aws:lb/getHostedZoneId:getHostedZoneId":
            // The provider's static table of ELB zones (an alias target), per region and LB type.
            return { id: `ZMOCK${String(inputs.loadBalancerType ?? "application").toUpperCase()}`, region, loadBalancerType: inputs.loadBalancerType };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        default:
            throw new Error(`no mock for invoke ${token} (inputs ${JSON.stringify(inputs)}); add one in scripts/lib/mock-engine.ts`);
    }
}

/** How many resources the program had registered when it failed (config errors: none). */
export function registeredBeforeFailure(err: unknown): number | undefined {
    return (err as { resourcesRegistered?: number } | undefined)?.resourcesRegistered;
}

function withRegistered(err: unknown, count: number): unknown {
    if (err !== null && typeof err === "object") Object.defineProperty(err, "resourcesRegistered", { value: count, enumerable: false });
    return err;
}

interface Recorded {
    parent: string | null;
    dependsOn: string[];
    provider: string | null;
}

function typeAndName(res: pulumi.Resource): string | undefined {
    // The SDK keeps these on every resource; they are stable across SDK 3.x.
    const r = res as unknown as { __pulumiType?: string; __name?: string };
    return r.__pulumiType && r.__name ? `${r.__pulumiType}::${r.__name}` : undefined;
}

/**
 * Runs `program` as a stack under mocks. `program` is called inside the stack, so resources
 * without a parent belong to it, exactly as with the CLI; its return value becomes the outputs.
 */
export async function runProgram(program: () => unknown, options: RunOptions): Promise<ProgramRun> {
    const region = options.config["aws:region"] ?? "ap-south-1";
    const caller = mockCaller(options.config);
    const seen: { type: string; name: string; inputs: Record<string, unknown>; provider: string; custom: boolean }[] = [];
    const recorded = new Map<string, Recorded>();
    const failures: unknown[] = [];
    const onRejection = (reason: unknown) => failures.push(reason);
    process.on("unhandledRejection", onRejection);

    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                seen.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider ?? "", custom: args.custom ?? true });
                return mockState(args.type, args.name, args.inputs, region);
            },
            call: (args) => mockCall(args.token, args.inputs, region, caller),
        },
        options.project,
        options.stack,
        false,
    );
    pulumi.runtime.setAllConfig(options.config, options.secretKeys ?? []);

    let outputs: Record<string, unknown> = {};
    let exported: unknown;
    try {
        const result = await pulumi.runtime.runInPulumiStack(async () => {
            // Stack transformations run in-process, so they see options the mocks never get.
            pulumi.runtime.registerStackTransformation((args) => {
                const ref = `${args.type}::${args.name}`;
                const dependsOn = args.opts.dependsOn;
                const deps = (Array.isArray(dependsOn) ? dependsOn : dependsOn && !pulumi.Output.isInstance(dependsOn) && !(dependsOn instanceof Promise) ? [dependsOn] : [])
                    .map((d) => typeAndName(d as pulumi.Resource))
                    .filter((d): d is string => d !== undefined);
                const parent = args.opts.parent ? typeAndName(args.opts.parent) : undefined;
                const provider = (args.opts as pulumi.CustomResourceOptions).provider;
                recorded.set(ref, {
                    parent: parent && !parent.startsWith("pulumi:pulumi:Stack::") ? parent : null,
                    dependsOn: [...new Set(deps)].sort(),
                    provider: provider ? (typeAndName(provider) ?? null) : null,
                });
                return undefined;
            });
            exported = program();
            return exported;
        });
        outputs = { ...((result ?? {}) as Record<string, unknown>) };
        // The stack's resolved outputs lose secretness; take it from the exported Outputs.
        if (exported && typeof exported === "object") {
            for (const [key, value] of Object.entries(exported as Record<string, unknown>)) {
                if (pulumi.Output.isInstance(value) && (await (value as unknown as { isSecret: Promise<boolean> }).isSecret)) outputs[key] = SECRET;
            }
        }
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
    } catch (err) {
        throw withRegistered(err, seen.length);
    } finally {
        process.removeListener("unhandledRejection", onRejection);
    }
    if (failures.length > 0) throw withRegistered(failures[0], seen.length);

    const resources: RegisteredResource[] = [];
    const refs = new Set<string>();
    for (const r of seen) {
        if (r.type === "pulumi:pulumi:Stack") continue;
        const ref = `${r.type}::${r.name}`;
        if (refs.has(ref)) throw new Error(`two resources share the type and name ${ref}`);
        refs.add(ref);
        const rec = recorded.get(ref);
        resources.push({
            type: r.type,
            name: r.name,
            ref,
            parent: rec?.parent ?? null,
            dependsOn: rec?.dependsOn ?? [],
            provider: rec?.provider ?? refFromProviderReference(r.provider),
            custom: r.custom,
            props: redactSecrets(r.inputs, options.revealSecrets) as Record<string, unknown>,
        });
    }
    resources.sort((a, b) => (a.type === b.type ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.type < b.type ? -1 : 1));
    return { resources, outputs: redactSecrets(outputs) as Record<string, unknown> };
}

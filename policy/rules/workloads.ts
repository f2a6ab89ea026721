// Pod hardening rules over pods and every pod template (Deployment ... CronJob), aligned with
// the Pod Security Standards "restricted" profile, plus PDB coverage and Service exposure.
import type { KubeObject, KubeObjectRule, KubeStackRule, ResolvedConfig, Violation } from "./types";
import { ContainerView, Obj, PodTemplate, containersOf, effectiveSecurity, labelsOf, namespaceOf, obj, objs, podTemplateOf, selectorMatches, str, strs, violation, WORKLOAD_KINDS } from "./util";
import { DEFAULT_WORKLOAD_EXEMPT_NAMESPACES } from "../config";

const workloadExempt = (_c: ResolvedConfig): readonly string[] => DEFAULT_WORKLOAD_EXEMPT_NAMESPACES;

/** Builds a per-container workload rule; `judge` returns a problem description or undefined. */
function containerRule(
    id: string,
    description: string,
    judge: (cv: ContainerView, spec: Obj, tpl: PodTemplate, o: KubeObject) => string | undefined,
): KubeObjectRule {
    return {
        id, description, enforcement: "mandatory", target: "kubernetes", scope: "object", kinds: WORKLOAD_KINDS,
        defaultExemptNamespaces: workloadExempt,
        check(o, ctx) {
            const tpl = podTemplateOf(o);
            if (!tpl) return [];
            const out: Violation[] = [];
            for (const cv of containersOf(tpl.spec, ctx.config.istioHubs)) {
                const problem = judge(cv, tpl.spec, tpl, o);
                if (problem) out.push(violation(o, `${cv.role === "app" ? "container" : `${cv.role} container`} "${cv.name}" ${problem}`, cv.name));
            }
            return out;
        },
    };
}

const sc = (cv: ContainerView): Obj => obj(cv.c.securityContext);

export const k8sNoPrivileged = containerRule("k8s-no-privileged", "Containers are not privileged.",
    (cv) => (sc(cv).privileged === true ? "is privileged" : undefined));

export const k8sNoPrivilegeEscalation = containerRule("k8s-no-privilege-escalation",
    "Containers set allowPrivilegeEscalation: false (Kubernetes defaults it to true).",
    (cv) => (sc(cv).allowPrivilegeEscalation === false ? undefined : "does not set securityContext.allowPrivilegeEscalation: false"));

export const k8sRunAsNonRoot = containerRule("k8s-run-as-non-root",
    "Containers run as non-root (runAsNonRoot: true, runAsUser not 0), on the pod or the container.",
    (cv, spec) => {
        if (cv.istio === "init") return undefined; // istio-init must be root to program iptables
        if (effectiveSecurity(spec, cv.c, "runAsUser") === 0) return "runs as UID 0";
        return effectiveSecurity(spec, cv.c, "runAsNonRoot") === true ? undefined : "does not set runAsNonRoot: true (pod or container)";
    });

/** Capabilities the mesh's init container needs to program iptables. */
const ISTIO_INIT_CAPS = new Set(["NET_ADMIN", "NET_RAW"]);

export const k8sDropAllCapabilities = containerRule("k8s-drop-all-capabilities",
    "Containers drop ALL capabilities and add none but NET_BIND_SERVICE.",
    (cv) => {
        const caps = obj(sc(cv).capabilities);
        if (!strs(caps.drop).includes("ALL")) return "does not drop ALL capabilities";
        const allowed = (c: string) => c === "NET_BIND_SERVICE" || (cv.istio === "init" && ISTIO_INIT_CAPS.has(c));
        const extra = strs(caps.add).filter((c) => !allowed(c));
        return extra.length ? `adds capabilities ${extra.join(", ")}` : undefined;
    });

export const k8sReadOnlyRootFs = containerRule("k8s-read-only-root-fs", "Containers mount their root filesystem read-only.",
    (cv) => {
        if (cv.istio === "init") return undefined; // short-lived, writes iptables state under /run
        return sc(cv).readOnlyRootFilesystem === true ? undefined : "does not set readOnlyRootFilesystem: true";
    });

export const k8sSeccompRuntimeDefault = containerRule("k8s-seccomp-runtime-default",
    "Containers run with seccomp profile RuntimeDefault (or Localhost), on the pod or the container.",
    (cv, spec) => {
        const type = str(obj(effectiveSecurity(spec, cv.c, "seccompProfile")).type);
        return type === "RuntimeDefault" || type === "Localhost" ? undefined : `has seccompProfile ${type ?? "unset"}; use RuntimeDefault`;
    });

/** Containers that mount volume `name` writable (every kind of container: init, app, ephemeral). */
function writersOf(spec: Obj, name: string): string[] {
    const all = [...objs(spec.initContainers), ...objs(spec.containers), ...objs(spec.ephemeralContainers)];
    return all.filter((c) => objs(c.volumeMounts).some((m) => m.name === name && m.readOnly !== true)).map((c) => str(c.name) ?? "");
}

export const k8sNoHostNamespaces: KubeObjectRule = {
    id: "k8s-no-host-namespaces",
    description: "Pods do not use hostNetwork, hostPID, hostIPC, hostPath volumes or hostPort.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: WORKLOAD_KINDS,
    defaultExemptNamespaces: workloadExempt,
    check(o, ctx) {
        const tpl = podTemplateOf(o);
        if (!tpl) return [];
        const out: Violation[] = [];
        // Each finding names its host access, so an exemption's `allow` covers exactly that (policy/exemptions.ts).
        for (const f of ["hostNetwork", "hostPID", "hostIPC"] as const) if (tpl.spec[f] === true) out.push({ ...violation(o, `pod sets ${f}: true`), host: { kind: f } });
        for (const v of objs(tpl.spec.volumes)) {
            if (v.hostPath === undefined) continue;
            const path = str(obj(v.hostPath).path) ?? "";
            const writers = writersOf(tpl.spec, str(v.name) ?? "");
            const how = writers.length ? `mounted writable by ${writers.map((w) => `"${w}"`).join(", ")}` : "read-only";
            out.push({ ...violation(o, `volume "${String(v.name)}" is a hostPath of ${path || "(no path)"}, ${how}`), host: { kind: "hostPath", path, readOnly: writers.length === 0 } });
        }
        // With hostNetwork the API server sets every hostPort to its containerPort, which validation
        // then requires (k8s.io/kubernetes pkg/apis/core/v1/defaults.go defaultHostNetworkPorts):
        // the ports are the host's already, and the hostNetwork finding says so.
        if (tpl.spec.hostNetwork === true) return out;
        for (const cv of containersOf(tpl.spec, ctx.config.istioHubs)) {
            for (const p of objs(cv.c.ports)) {
                if (typeof p.hostPort === "number" && p.hostPort !== 0) out.push({ ...violation(o, `container "${cv.name}" binds hostPort ${p.hostPort}`, cv.name), host: { kind: "hostPort", port: p.hostPort } });
            }
        }
        return out;
    },
};

export const k8sResources = containerRule("k8s-resources", "Containers request CPU and memory and limit memory.",
    (cv) => {
        if (cv.role === "ephemeral") return undefined; // Kubernetes forbids resources on ephemeral containers
        const r = obj(cv.c.resources);
        const missing: string[] = [];
        if (obj(r.requests).cpu === undefined) missing.push("requests.cpu");
        if (obj(r.requests).memory === undefined) missing.push("requests.memory");
        if (obj(r.limits).memory === undefined) missing.push("limits.memory");
        return missing.length ? `is missing resources ${missing.join(", ")}` : undefined;
    });

/** Batch pods run to completion; readiness and liveness mean nothing there. */
const SERVING_KINDS = new Set(["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"]);

export const k8sProbes = containerRule("k8s-probes", "Serving containers (not Jobs/CronJobs) define readiness and liveness probes.",
    (cv, _spec, _tpl, o) => {
        if (!SERVING_KINDS.has(o.kind ?? "") || cv.role !== "app" || cv.istio) return undefined; // the injector manages the proxy's probes
        const missing = ["readinessProbe", "livenessProbe"].filter((p) => cv.c[p] === undefined);
        return missing.length ? `has no ${missing.join(" or ")}` : undefined;
    });

/** Why an image reference is not pinned, or undefined. */
export function unpinnedImage(image: string): string | undefined {
    if (image.includes("@sha256:")) return undefined;
    const lastSlash = image.lastIndexOf("/");
    const colon = image.indexOf(":", lastSlash + 1);
    if (colon < 0) return "has no tag (resolves to latest)";
    const tag = image.slice(colon + 1);
    return tag === "latest" || tag === "" ? `uses tag "${tag}"` : undefined;
}

export const k8sImagePinned = containerRule("k8s-image-pinned", "Images use an explicit tag other than latest, or a digest.",
    (cv) => {
        const image = str(cv.c.image);
        if (cv.istio === "proxy" && image === "auto") return undefined; // the injector fills in its pinned proxy image
        if (!image) return "has no image";
        const why = unpinnedImage(image);
        return why ? `image ${image} ${why}` : undefined;
    });

const REPLICATED_KINDS = ["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"] as const;

export const k8sPdb: KubeStackRule = {
    id: "k8s-pdb",
    description: "Every workload with more than one replica is covered by a PodDisruptionBudget.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "stack",
    defaultExemptNamespaces: workloadExempt,
    check(index) {
        const pdbsByNs = new Map<string, KubeObject[]>();
        for (const p of index.byKind("PodDisruptionBudget")) {
            const ns = namespaceOf(p);
            const list = pdbsByNs.get(ns) ?? [];
            list.push(p);
            pdbsByNs.set(ns, list);
        }
        const out: Violation[] = [];
        for (const kind of REPLICATED_KINDS) {
            for (const w of index.byKind(kind)) {
                const replicas = obj(w.spec).replicas;
                if (typeof replicas !== "number" || replicas <= 1) continue;
                const labels = podTemplateOf(w)?.meta.labels ?? labelsOf(w);
                const covered = (pdbsByNs.get(namespaceOf(w)) ?? []).some((p) => selectorMatches(obj(p.spec).selector, labels));
                if (!covered) out.push(violation(w, `${replicas} replicas but no PodDisruptionBudget selects its pods; a node drain can take them all down`));
            }
        }
        return out;
    },
};

export const k8sNoPublicServices: KubeObjectRule = {
    id: "k8s-no-public-services",
    description: "No LoadBalancer or NodePort Services except in the ingress gateway's namespace.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["Service"],
    check(o, ctx) {
        if (o.apiVersion !== "v1") return [];
        const type = str(obj(o.spec).type);
        if (type !== "LoadBalancer" && type !== "NodePort") return [];
        if (ctx.config.ingressNamespaces.includes(namespaceOf(o))) return [];
        return [violation(o, `Service type ${type} exposes it outside the cluster; only ${ctx.config.ingressNamespaces.join(", ")} may do that (route through the ingress gateway)`)];
    },
};

export const workloadRules = [
    k8sNoPrivileged, k8sNoPrivilegeEscalation, k8sRunAsNonRoot, k8sDropAllCapabilities, k8sReadOnlyRootFs,
    k8sSeccompRuntimeDefault, k8sNoHostNamespaces, k8sResources, k8sProbes, k8sImagePinned, k8sPdb, k8sNoPublicServices,
] as const;

// Revision tags as Pulumi objects: the MutatingWebhookConfiguration and Service the istiod chart
// renders for `revisionTags` (templates/revision-tags-mwc.yaml and revision-tags-svc.yaml, the same
// in 1.30.4 and 1.31), kept outside every istiod Helm release. Istio's Helm upgrade guide applies
// them the same way (`helm template ... -s templates/revision-tags-mwc.yaml | kubectl apply`), so
// moving a tag is an in-place update of one object, like `istioctl tag set --overwrite`: no window
// without an injector for the tag, and no ownership handover between two Helm releases.
// The caBundle comes from the revision's istiod: it patches every MutatingWebhookConfiguration
// labelled istio.io/rev=<its revision> with its CA (pkg/webhooks/webhookpatch.go, which skips a
// configuration labelled for another revision), so the label below names the target revision and
// moving a tag hands the patching to the new istiod. The field is istiod's, never set here; the
// Mesh creates each tag only once its revision's istiod release is ready (components/mesh/index.ts).
import { KubeObject, standardLabels } from "../k8s";
import { DEFAULT_REVISION } from "./revisions";
import { ISTIO_ROOT_NAMESPACE } from "./topology";

/** The istiod Service (and Deployment) of a revision, as the istiod chart names them. */
export function istiodServiceName(revision: string): string {
    return revision === DEFAULT_REVISION ? "istiod" : `istiod-${revision}`;
}

type Expression = { key: string; operator: "In" | "NotIn" | "DoesNotExist"; values?: string[] };
const selector = (...matchExpressions: Expression[]) => ({ matchExpressions });
const NOT_OPTED_OUT: Expression = { key: "sidecar.istio.io/inject", operator: "NotIn", values: ["false"] };

function webhook(prefix: string, revision: string, namespaceSelector: object, objectSelector: object): Record<string, unknown> {
    return {
        name: `${prefix}sidecar-injector.istio.io`,
        clientConfig: { service: { name: istiodServiceName(revision), namespace: ISTIO_ROOT_NAMESPACE, path: "/inject", port: 443 } },
        sideEffects: "None",
        rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
        failurePolicy: "Fail",
        reinvocationPolicy: "Never",
        admissionReviewVersions: ["v1"],
        namespaceSelector,
        objectSelector,
    };
}

/**
 * `istio-revision-tag-<tag>`: pods in namespaces labelled istio.io/rev=<tag> (or pods labelled so
 * in unlabelled namespaces) are injected by `revision`. The `default` tag also takes
 * istio-injection=enabled namespaces and sidecar.istio.io/inject=true pods, as the chart does.
 */
export function revisionTagWebhook(tag: string, revision: string): KubeObject {
    const webhooks = [
        webhook("rev.namespace.", revision, selector({ key: "istio.io/rev", operator: "In", values: [tag] }, { key: "istio-injection", operator: "DoesNotExist" }), selector(NOT_OPTED_OUT)),
        webhook(
            "rev.object.",
            revision,
            selector({ key: "istio.io/rev", operator: "DoesNotExist" }, { key: "istio-injection", operator: "DoesNotExist" }),
            selector(NOT_OPTED_OUT, { key: "istio.io/rev", operator: "In", values: [tag] }),
        ),
    ];
    if (tag === DEFAULT_REVISION) {
        webhooks.push(
            webhook("namespace.", revision, selector({ key: "istio-injection", operator: "In", values: ["enabled"] }), selector(NOT_OPTED_OUT)),
            webhook(
                "object.",
                revision,
                selector({ key: "istio-injection", operator: "DoesNotExist" }, { key: "istio.io/rev", operator: "DoesNotExist" }),
                selector({ key: "sidecar.istio.io/inject", operator: "In", values: ["true"] }, { key: "istio.io/rev", operator: "DoesNotExist" }),
            ),
        );
    }
    return {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "MutatingWebhookConfiguration",
        metadata: { name: `istio-revision-tag-${tag}`, labels: tagLabels(tag, revision, "sidecar-injector") },
        webhooks,
    };
}

/** `istiod-revision-tag-<tag>`: the tag's name for the revision's istiod (xDS, webhook, monitoring ports). */
export function revisionTagService(tag: string, revision: string): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: `istiod-revision-tag-${tag}`, namespace: ISTIO_ROOT_NAMESPACE, labels: { ...tagLabels(tag, revision, "istiod"), istio: "pilot" } },
        spec: {
            ports: [
                { port: 15010, name: "grpc-xds", protocol: "TCP" },
                { port: 15012, name: "https-dns", protocol: "TCP" },
                { port: 443, name: "https-webhook", targetPort: 15017, protocol: "TCP" },
                { port: 15014, name: "http-monitoring", protocol: "TCP" },
            ],
            // The chart's selector: the unrevisioned istiod by `istio: pilot`, a revision by its label.
            selector: revision === DEFAULT_REVISION ? { app: "istiod", istio: "pilot" } : { app: "istiod", "istio.io/rev": revision },
        },
    };
}

/** The labels istiod and istioctl read (istio.io/rev, istio.io/tag, app) beside the platform's own. */
function tagLabels(tag: string, revision: string, app: string): Record<string, string> {
    return {
        ...standardLabels(`istio-revision-tag-${tag}`, { "app.kubernetes.io/component": "service-mesh" }),
        app,
        "istio.io/rev": revision,
        "istio.io/tag": tag,
    };
}

/** Every tag of the stack and its revision, by tag name: plus `default` unless the unrevisioned istiod is the default. */
export function revisionTags(tags: Readonly<Record<string, string | undefined>>, defaultRevision: string): [tag: string, revision: string][] {
    const all: [string, string][] = Object.entries(tags).filter((e): e is [string, string] => !!e[1]);
    // The unrevisioned istiod serves the default selectors itself (its own istio-sidecar-injector).
    if (defaultRevision !== DEFAULT_REVISION) all.push([DEFAULT_REVISION, defaultRevision]);
    return all.sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Every tag object of the stack: one webhook and one Service per tag (revisionTags). */
export function revisionTagObjects(tags: Readonly<Record<string, string | undefined>>, defaultRevision: string): KubeObject[] {
    return revisionTags(tags, defaultRevision).flatMap(([tag, revision]) => [revisionTagWebhook(tag, revision), revisionTagService(tag, revision)]);
}

// Kiali's Helm values (kiali-server chart, CHARTS.kialiServer; keys of its values.yaml, which mimic
// the Kiali CR). Login: anonymous (dev, view-only), token (the user's Kubernetes bearer token) or
// openid. Kiali reaches Prometheus, Jaeger (gRPC) and Grafana in-cluster; Grafana with a
// service-account token of the Viewer role, never the admin password.
import { INGRESS_GATEWAY_NAME, INGRESS_NAMESPACE } from "../mesh/topology";
import { Environment } from "../settings";
import { KIALI_GRAFANA_SECRET, KIALI_OIDC_SECRET } from "./credentials";
import { istioDashboardTitles } from "./dashboards";
import { DATASOURCE_UIDS, PORT_FORWARD, SERVICES, URLS } from "./names";
import { KialiConfig } from "./settings";
import { OBSERVABILITY_SIZING } from "./sizing";

export interface KialiInput {
    environment: Environment;
    config: KialiConfig;
}

/** Variables Kiali fills in when it links to Istio's service and workload dashboards. */
const DASHBOARD_VARIABLES: Record<string, Record<string, string>> = {
    "Istio Service Dashboard": { namespace: "var-namespace", service: "var-service", datasource: "var-datasource" },
    "Istio Workload Dashboard": { namespace: "var-namespace", workload: "var-workload", datasource: "var-datasource" },
};

/** Users act with Kiali's own service account: then they may only look. */
export function kialiViewOnly(config: KialiConfig): boolean {
    return config.authStrategy === "anonymous" || (config.authStrategy === "openid" && !config.openid?.kubernetesRbac);
}

function auth(config: KialiConfig): Record<string, unknown> {
    if (config.authStrategy !== "openid") return { strategy: config.authStrategy };
    const o = config.openid!;
    // The client secret is read from the `kiali` Secret's oidc-secret key (deployment.secret_name,
    // mounted optional at /kiali-secret; kiali.io docs, "OpenID Connect strategy").
    return {
        strategy: "openid",
        openid: {
            issuer_uri: o.issuerUri,
            client_id: o.clientId,
            username_claim: o.usernameClaim,
            scopes: ["openid", "profile", "email"],
            // Without an API server that trusts the issuer, Kiali cannot act as the user.
            disable_rbac: !o.kubernetesRbac,
        },
    };
}

function grafana(config: KialiConfig): Record<string, unknown> {
    // Without a token Kiali could only fail its Grafana API calls: no links rather than errors.
    if (!config.grafanaTokenSecret) return { enabled: false };
    return {
        enabled: true,
        internal_url: URLS.grafana,
        external_url: `http://localhost:${PORT_FORWARD.grafana.local}`,
        datasource_uid: DATASOURCE_UIDS.prometheus,
        // "secret:<name>:<key>": the chart mounts that key and Kiali reads the token from the file.
        auth: { type: "bearer", token: `secret:${KIALI_GRAFANA_SECRET.name}:${KIALI_GRAFANA_SECRET.tokenKey}` },
        dashboards: istioDashboardTitles().map((name) => (DASHBOARD_VARIABLES[name] ? { name, variables: DASHBOARD_VARIABLES[name] } : { name })),
    };
}

export function kialiValues(input: KialiInput): Record<string, unknown> {
    const size = OBSERVABILITY_SIZING[input.environment];
    return {
        auth: auth(input.config),
        deployment: {
            replicas: 1,
            resources: size.kiali,
            cluster_wide_access: true,
            // Anonymous users (dev), and openid users without Kubernetes RBAC, only look: a
            // port-forward would otherwise edit Istio config with Kiali's own service account.
            view_only_mode: kialiViewOnly(input.config),
            secret_name: KIALI_OIDC_SECRET.name,
        },
        external_services: {
            prometheus: { url: URLS.prometheus },
            grafana: grafana(input.config),
            tracing: {
                enabled: true,
                provider: "jaeger",
                use_grpc: true,
                internal_url: URLS.jaegerQueryGrpc,
                external_url: `http://localhost:${PORT_FORWARD.jaeger.local}`,
            },
            // Kiali 2.x finds istiod (every revision) and its ConfigMaps by itself; of its `istio`
            // settings only the component health list is ours to give.
            istio: {
                component_status: {
                    enabled: true,
                    components: [
                        { app_label: "istiod", is_core: true },
                        { app_label: INGRESS_GATEWAY_NAME, namespace: INGRESS_NAMESPACE, is_core: true, is_proxy: true },
                    ],
                },
            },
        },
        server: { port: SERVICES.kiali.port },
    };
}

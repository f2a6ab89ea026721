// Grafana's and Kiali's chart values (components/observability/grafana.ts, kiali.ts).
import { strict as assert } from "assert";
import { istioDashboardTitles } from "../../components/observability/dashboards";
import { KialiConfig } from "../../components/observability/settings";
import { GRAFANA_ADMIN_SECRET, URLS } from "../../components/observability/names";
import { grafanaDatasources, grafanaValues } from "../../components/observability/grafana";
import { kialiValues } from "../../components/observability/kiali";
import { JAEGER_COLLECTOR, OBSERVABILITY_NAMESPACE } from "../../components/tracing";
import { gatewaySelector, istiodSelector, meshNamespaces } from "../../components/mesh/builders";
import { at } from "./fixtures";

const ENVS = ["dev", "staging", "prod"] as const;

describe("Grafana and Kiali values", () => {
    describe("grafana", () => {
        it("reads the admin credentials from a Secret and never takes a password as a value", () => {
            const v = grafanaValues({ environment: "prod" });
            assert.deepEqual(v.admin, { existingSecret: GRAFANA_ADMIN_SECRET.name, userKey: "admin-user", passwordKey: "admin-password" });
            assert.equal(v.adminPassword, undefined);
            assert.doesNotMatch(JSON.stringify(v), /correct-horse/);
        });

        it("turns anonymous access and sign-up off", () => {
            const ini = grafanaValues({ environment: "dev" })["grafana.ini"] as Record<string, Record<string, unknown>>;
            assert.equal(ini["auth.anonymous"].enabled, false);
            assert.equal(ini.users.allow_sign_up, false);
        });

        it("provisions Prometheus, Loki and Jaeger by their in-cluster URLs, with traces linking to logs", () => {
            const ds = grafanaDatasources();
            const byType = Object.fromEntries(ds.map((d) => [d.type as string, d]));
            assert.equal(byType.prometheus.url, URLS.prometheus);
            assert.equal(byType.prometheus.isDefault, true);
            assert.equal(byType.loki.url, "http://loki.observability.svc.cluster.local:3100");
            assert.equal(byType.jaeger.url, `http://${JAEGER_COLLECTOR.service}.${OBSERVABILITY_NAMESPACE}.svc.cluster.local:16686`);
            assert.equal(at(byType.jaeger, "jsonData.tracesToLogsV2.datasourceUid"), byType.loki.uid);
            assert.match(String(at(byType.jaeger, "jsonData.tracesToLogsV2.query")), /log_type="access".*request_id=.*guid:x-request-id/);
        });

        it("downloads nothing at start: no dashboard URLs, no plugins; dashboards come from labelled ConfigMaps", () => {
            for (const env of ENVS) {
                const v = grafanaValues({ environment: env });
                assert.deepEqual(v.dashboards, {}, "the chart renders its download-dashboards init container for any entry");
                assert.deepEqual(v.plugins, [], "plugins install from grafana.com at start");
                assert.equal(v.dashboardProviders, undefined);
                assert.equal(v.downloadDashboards, undefined);
                assert.deepEqual(at(v, "sidecar.dashboards"), { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL", folderAnnotation: "grafana_folder", provider: { foldersFromFilesStructure: true } });
                assert.equal(at(v["grafana.ini"], "analytics.check_for_updates"), false);
                assert.equal(at(v["grafana.ini"], "snapshots.external_enabled"), false);
                // Grafana 13's background installer fetches its default plugin list from grafana.com
                // unless preinstall_disabled (pkg/setting/setting_plugins.go reads [plugins] preinstall_disabled).
                assert.equal(at(v["grafana.ini"], "plugins.preinstall_disabled"), true);
                assert.equal(at(v["grafana.ini"], "plugins.public_key_retrieval_disabled"), true);
                assert.equal(at(v["grafana.ini"], "plugins.plugin_admin_enabled"), false);
                assert.equal(at(v["grafana.ini"], "analytics.reporting_enabled"), false);
                assert.equal(at(v["grafana.ini"], "news.news_feed_enabled"), false);
            }
        });

        it("keeps its database on a volume outside dev, replacing the pod rather than rolling it", () => {
            assert.equal(at(grafanaValues({ environment: "dev" }), "persistence.enabled"), false);
            const prod = grafanaValues({ environment: "prod" });
            assert.equal(at(prod, "persistence.enabled"), true);
            assert.equal(at(prod, "persistence.storageClassName"), "gp3");
            assert.equal(at(prod, "deploymentStrategy.type"), "Recreate");
        });
    });

    describe("kiali", () => {
        const TOKEN: KialiConfig = { authStrategy: "token", grafanaTokenSecret: "dodo-prod/kiali/grafana-token" };
        const OPENID: KialiConfig = {
            authStrategy: "openid",
            openid: { issuerUri: "https://login.example.com", clientId: "kiali", clientSecretSecret: "dodo-prod/kiali/oidc", usernameClaim: "email", kubernetesRbac: false },
        };
        it("reaches Prometheus, Grafana and Jaeger by their in-cluster URLs", () => {
            const v = kialiValues({ environment: "prod", config: TOKEN });
            assert.equal(at(v, "external_services.prometheus.url"), URLS.prometheus);
            assert.equal(at(v, "external_services.grafana.internal_url"), "http://grafana.observability.svc.cluster.local:80");
            assert.equal(at(v, "external_services.tracing.internal_url"), `http://${JAEGER_COLLECTOR.service}.observability.svc.cluster.local:16685`);
            assert.equal(at(v, "external_services.tracing.use_grpc"), true);
            assert.equal(at(v, "external_services.tracing.provider"), "jaeger");
        });

        it("reaches Grafana with a Viewer service-account token from its Secret, never the admin password", () => {
            const v = kialiValues({ environment: "prod", config: TOKEN });
            assert.deepEqual(at(v, "external_services.grafana.auth"), { type: "bearer", token: "secret:kiali-grafana:token" });
            assert.doesNotMatch(JSON.stringify(v), /grafana-admin|admin-password/);
            // No token yet (first deploy): no Grafana integration rather than failing API calls.
            assert.deepEqual(at(kialiValues({ environment: "prod", config: { authStrategy: "token" } }), "external_services.grafana"), { enabled: false });
        });

        it("names the dashboards Kiali links to by the titles the generated Istio dashboards carry", () => {
            const kiali = at(kialiValues({ environment: "prod", config: TOKEN }), "external_services.grafana.dashboards") as { name: string; variables?: Record<string, string> }[];
            assert.deepEqual(kiali.map((d) => d.name).sort(), istioDashboardTitles().sort());
            assert.deepEqual(kiali.find((d) => d.name === "Istio Workload Dashboard")!.variables, { namespace: "var-namespace", workload: "var-workload", datasource: "var-datasource" });
        });

        it("logs users in with OpenID Connect: issuer, client id, the client secret from the kiali Secret; view-only without Kubernetes RBAC", () => {
            const v = kialiValues({ environment: "prod", config: OPENID });
            assert.deepEqual(at(v, "auth"), { strategy: "openid", openid: { issuer_uri: "https://login.example.com", client_id: "kiali", username_claim: "email", scopes: ["openid", "profile", "email"], disable_rbac: true } });
            assert.equal(at(v, "deployment.secret_name"), "kiali");
            assert.equal(at(v, "deployment.view_only_mode"), true);
            const rbac = kialiValues({ environment: "prod", config: { ...OPENID, openid: { ...OPENID.openid!, kubernetesRbac: true } } });
            assert.equal(at(rbac, "auth.openid.disable_rbac"), false);
            assert.equal(at(rbac, "deployment.view_only_mode"), false);
        });

        it("takes the authentication strategy from config", () => {
            assert.equal(at(kialiValues({ environment: "prod", config: TOKEN }), "auth.strategy"), "token");
            assert.equal(at(kialiValues({ environment: "dev", config: { authStrategy: "anonymous" } }), "auth.strategy"), "anonymous");
        });

        it("lets anonymous (dev) users look but not edit; authenticated users edit with their own RBAC", () => {
            assert.equal(at(kialiValues({ environment: "dev", config: { authStrategy: "anonymous" } }), "deployment.view_only_mode"), true);
            assert.equal(at(kialiValues({ environment: "prod", config: TOKEN }), "deployment.view_only_mode"), false);
        });

        it("reports the health of istiod and the ingress gateway by the labels their pods really carry", () => {
            const v = kialiValues({ environment: "prod", config: TOKEN });
            const components = at(v, "external_services.istio.component_status.components") as { app_label: string; namespace?: string; is_core: boolean }[];
            assert.equal(at(v, "external_services.istio.component_status.enabled"), true);
            const istiod = components.find((c) => c.app_label === istiodSelector().app);
            assert.ok(istiod?.is_core, "istiod is a core component");
            assert.equal(istiod.namespace, undefined, "Kiali looks in the root namespace by default, where istiod runs");
            const gateway = components.find((c) => c.app_label === gatewaySelector().app);
            assert.ok(gateway?.is_core, "the ingress gateway is a core component");
            assert.equal(gateway.namespace, meshNamespaces()[1].metadata.name);
            // Kiali 2.x discovers istiod and its ConfigMaps itself; names it would ignore are not set.
            assert.deepEqual(Object.keys(at(v, "external_services.istio") as object), ["component_status"]);
        });
    });
});

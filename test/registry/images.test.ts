import { strict as assert } from "assert";
import { parsePlatformConfig } from "../../components/config";
import { istioHub } from "../../components/mesh/builders";
import { CHART_IMAGE_VALUES, mergeValues, withChartImages } from "../../components/registry/chart-images";
import { cacheHost, imageOf, imageParts, parseImage, repositoryOf, UPSTREAMS } from "../../components/registry/images";
import { CHARTS } from "../../components/versions";
import { shippedPackConfig } from "../../policy/config-files";
import { resolveConfig } from "../../policy/config";
import { CHART_IMAGES, imageReferences } from "../../scripts/lib/images";
import { readStackConfig, REPO_ROOT } from "../../scripts/lib/stack-config";
import { Render, renderCached } from "../harness";

const CACHE = { cacheHost: "111122223333.dkr.ecr.ap-south-1.amazonaws.com" };

function leaves(v: unknown, at = ""): string[] {
    if (v && typeof v === "object" && !Array.isArray(v)) return Object.entries(v).flatMap(([k, x]) => leaves(x, at ? `${at}.${k}` : k));
    return [at];
}

describe("images", () => {
    describe("references", () => {
        it("reads a reference as the container runtime does: docker.io implied, library/ for official images", () => {
            assert.deepEqual(parseImage("postgres:17"), { registry: "docker.io", repository: "library/postgres", suffix: ":17" });
            assert.deepEqual(parseImage("docker.io/library/postgres:17.9-bookworm"), { registry: "docker.io", repository: "library/postgres", suffix: ":17.9-bookworm" });
            assert.deepEqual(parseImage("grafana/loki"), { registry: "docker.io", repository: "grafana/loki", suffix: "" });
            assert.deepEqual(parseImage("quay.io/kiali/kiali:v2.29.0@sha256:abc"), { registry: "quay.io", repository: "kiali/kiali", suffix: ":v2.29.0@sha256:abc" });
            assert.deepEqual(parseImage("localhost:5000/x"), { registry: "localhost:5000", repository: "x", suffix: "" });
        });

        it("maps each upstream to its cache prefix, and leaves upstream images and private ECR images alone", () => {
            assert.equal(imageOf(CACHE, "docker.io/library/postgres:17.9-bookworm"), `${CACHE.cacheHost}/docker-hub/library/postgres:17.9-bookworm`);
            assert.equal(imageOf(CACHE, "ghcr.io/dodopayments/payments-backend:2.7.0"), `${CACHE.cacheHost}/ghcr/dodopayments/payments-backend:2.7.0`);
            assert.equal(repositoryOf(CACHE, "registry.k8s.io/metrics-server/metrics-server"), `${CACHE.cacheHost}/k8s/metrics-server/metrics-server`);
            assert.equal(repositoryOf(CACHE, "public.ecr.aws/karpenter/controller"), `${CACHE.cacheHost}/ecr-public/karpenter/controller`);
            assert.deepEqual(imageParts(CACHE, "docker.io", "busybox"), { registry: `${CACHE.cacheHost}/docker-hub`, repository: "library/busybox" });
            assert.equal(imageOf({}, "ghcr.io/x/y:1"), "ghcr.io/x/y:1");
            assert.equal(imageOf(CACHE, "444455556666.dkr.ecr.ap-south-1.amazonaws.com/team/app:1"), "444455556666.dkr.ecr.ap-south-1.amazonaws.com/team/app:1");
            assert.throws(() => imageOf(CACHE, "gcr.io/x/y:1"), /no pull-through cache rule for gcr\.io/);
            assert.equal(cacheHost("111122223333", "ap-south-1"), CACHE.cacheHost);
        });

        it("moves Istio's hub, and with it pilot and every injected proxyv2", () => {
            assert.equal(istioHub(), "docker.io/istio");
            assert.equal(istioHub(CACHE), `${CACHE.cacheHost}/docker-hub/istio`);
        });
    });

    describe("chart values", () => {
        it("overrides only image keys each chart's values.yaml has (as listed for the inventory)", () => {
            // The inventory (scripts/lib/images.ts) is written from each chart's values.yaml.
            const chartName: Record<string, string> = Object.fromEntries(Object.entries(CHARTS).map(([k, pin]) => [k, pin.chart]));
            for (const [key, override] of Object.entries(CHART_IMAGE_VALUES)) {
                const name = chartName[key];
                assert.ok(CHART_IMAGES[name], `${key}: chart ${name} has no inventory entry`);
                const known = CHART_IMAGES[name]({}).map((i) => i.key.replace(/\.(repository|image_name)$/, ""));
                for (const leaf of leaves(override!(CACHE))) {
                    const ok = known.some((k) => leaf === k || leaf.startsWith(`${k}.`)) || (name === "cert-manager" && leaf === "imageRegistry");
                    assert.ok(ok, `${key}: ${leaf} is not an image key of chart ${name} ${CHARTS[key as keyof typeof CHARTS].version}`);
                }
            }
        });

        it("leaves values untouched without a cache, and merges into them with one", () => {
            const values = { image: { pullPolicy: "IfNotPresent" }, replicas: 2 };
            assert.equal(withChartImages("grafana", values, {}), values);
            assert.deepEqual(mergeValues(values, { image: { registry: "r" } }), { image: { pullPolicy: "IfNotPresent", registry: "r" }, replicas: 2 });
        });
    });

    describe("in the stacks", () => {
        for (const stack of ["staging", "prod"] as const) {
            it(`${stack}: every image the stack runs, charts' defaults included, comes from its own pull-through cache, by tag`, async () => {
                const render: Render = await renderCached(stack);
                const raw = readStackConfig(stack, REPO_ROOT);
                const config = parsePlatformConfig({ stack, values: raw.values, secretKeys: raw.secretKeys });
                const host = cacheHost(config.aws.allowedAccountIds[0], config.region);
                const { images, unknownCharts } = imageReferences(render);
                assert.deepEqual(unknownCharts, [], "a chart whose images are not listed in scripts/lib/images.ts");
                assert.ok(images.length > 40, `${images.length} images`);
                const prefixes = Object.values(UPSTREAMS).map((u) => `${host}/${u.prefix}/`);
                const outside = images.filter((i) => !prefixes.some((p) => i.image.startsWith(p)));
                assert.deepEqual(outside.map((i) => `${i.image} (${i.where})`), [], "images from outside the cache");
                // A first pull through the cache by digest never fills it (aws/containers-roadmap#2837).
                assert.deepEqual(images.filter((i) => i.byDigest).map((i) => i.where), []);
                for (const where of ["release istiod: global.hub", "release karpenter: controller.image", "release grafana: initChownData.image", "Deployment dodo-payments/frontend (frontend)"]) {
                    assert.ok(images.some((i) => i.where.startsWith(where.split(" (")[0])), `${where} is listed`);
                }
            });

            it(`${stack}: the policy pack trusts the Istio hub the stack runs (istioHubs)`, async () => {
                const render = await renderCached(stack);
                const istiod = render.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && String((r.props as { chart?: string }).chart).endsWith("istiod"))!;
                const hub = (istiod.props as { values: { global: { hub: string } } }).values.global.hub;
                assert.deepEqual(resolveConfig(shippedPackConfig(stack), stack).istioHubs, [hub]);
            });
        }

        for (const stack of ["dev"] as const) {
            it(`${stack}: pulls from the upstream registries (no cache), and the inventory knows every chart`, async () => {
                const { images, unknownCharts } = imageReferences(await renderCached(stack));
                assert.deepEqual(unknownCharts, []);
                assert.ok(images.every((i) => !i.image.includes(".dkr.ecr.")), "no cache in dev by default");
                assert.ok(images.some((i) => i.image === "docker.io/library/postgres:17.9-bookworm"));
            });
        }
    });
});

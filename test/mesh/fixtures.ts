// Mesh revisions for tests: a stack on one revision, with single fields changed.
import { MeshRevisions } from "../../components/mesh/revisions";
import { PAYMENTS_NAMESPACE } from "../../components/payments/names";

/** Every tag, the gateway, the CRDs, the default and dev's PostgreSQL on `revision`; `over` changes fields. */
export function onRevision(revision: string, over: Partial<MeshRevisions> = {}): MeshRevisions {
    return {
        revisions: [revision],
        tags: { "prod-stable": revision },
        namespaces: {},
        gatewayRevision: revision,
        baseRevision: revision,
        defaultRevision: revision,
        statefulSets: { [`${PAYMENTS_NAMESPACE}/postgres`]: revision },
        ...over,
    };
}

// What the stack puts in the mesh besides the gateway: the namespaces whose workloads follow a
// revision tag, and the StatefulSets that move only when mesh.statefulSets says so. The mesh's
// config checks (components/mesh/revisions.ts) and the upgrade plan read it from here.
import { MeshedWorkloads } from "./mesh/revisions";
import { PAYMENTS_NAMESPACE, POSTGRES } from "./payments/names";
import { PaymentsConfig } from "./payments/settings";

export function meshedWorkloads(payments: Pick<PaymentsConfig, "database">): MeshedWorkloads {
    return {
        namespaces: [PAYMENTS_NAMESPACE],
        // The in-cluster database (dev); RDS is outside the mesh.
        statefulSets: payments.database.engine === "in-cluster" ? [`${PAYMENTS_NAMESPACE}/${POSTGRES.statefulSet}`] : [],
    };
}

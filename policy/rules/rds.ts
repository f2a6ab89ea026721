// RDS rules beyond the four in ./cloud.ts (encryption, backups, public access, deletion
// protection): TLS enforced by the server, and a standby in prod. Pure, over Pulumi AWS inputs.
import type { ResourceRule, Violation } from "./types";
import { arr, isObj, str, violation } from "./util";

const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup";

/** Engines whose server refuses non-TLS clients with `rds.force_ssl = 1` (RDS for PostgreSQL; SQL Server spells it the same). */
const FORCE_SSL_ENGINES = ["postgres"];

const isReplica = (props: Record<string, unknown>) => Boolean(props.replicateSourceDb);

/**
 * rds.force_ssl = 1 makes the server refuse unencrypted connections (RDS User Guide,
 * PostgreSQL.Concepts.General.SSL, "Requiring an SSL connection"). The pack sees it only in a
 * parameter group of the stack, so a PostgreSQL instance must name a custom group (not
 * `default.*`, whose value depends on the major version and which the pack cannot read), and
 * every PostgreSQL parameter group must set it to 1 explicitly.
 */
export const rdsForceSsl: ResourceRule = {
    id: "rds-force-ssl",
    description: "RDS for PostgreSQL enforces TLS: instances use a custom parameter group, and PostgreSQL parameter groups set rds.force_ssl to 1.",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: [RDS_INSTANCE, RDS_PARAMETER_GROUP],
    check(r) {
        if (r.type === RDS_PARAMETER_GROUP) {
            const family = str(r.props.family) ?? "";
            if (!family.startsWith("postgres")) return [];
            const set = arr(r.props.parameters).filter(isObj).find((p) => p.name === "rds.force_ssl");
            if (set === undefined) return [violation(r, `parameter group (${family}) does not set rds.force_ssl; set it to "1" so the server refuses clients without TLS`)];
            return String(set.value) === "1" ? [] : [violation(r, `rds.force_ssl is ${JSON.stringify(set.value)}; set "1" so the server refuses clients without TLS`)];
        }
        if (!FORCE_SSL_ENGINES.includes(str(r.props.engine) ?? "") || isReplica(r.props)) return [];
        const group = str(r.props.parameterGroupName);
        if (group === undefined || group === "") return [violation(r, "no parameterGroupName: the instance runs RDS's default group; name a custom group that sets rds.force_ssl to 1")];
        if (group.startsWith("default.")) return [violation(r, `parameterGroupName is ${group}, RDS's default group; name a custom group that sets rds.force_ssl to 1`)];
        return [];
    },
};

/**
 * In prod an instance keeps a synchronous standby in another zone (Multi-AZ): one zone's outage
 * or a host failure fails over instead of losing the database until a restore. A read replica is
 * judged on its source. Aurora clusters spread storage over three zones by design.
 */
export const rdsMultiAzProd: ResourceRule = {
    id: "rds-multi-az-prod",
    description: "In prod, RDS instances run Multi-AZ (a standby in another Availability Zone).",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: [RDS_INSTANCE],
    check(r, ctx): Violation[] {
        if (ctx.config.environment !== "prod" || isReplica(r.props)) return [];
        return r.props.multiAz === true ? [] : [violation(r, `multiAz is ${JSON.stringify(r.props.multiAz ?? "unset")}; prod runs a Multi-AZ standby`)];
    },
};

export const rdsRules = [rdsForceSsl, rdsMultiAzProd] as const;

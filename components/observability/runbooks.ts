// Every alert links to what to do about it: a runbook_url annotation (the name Prometheus'
// alerting rules and kube-prometheus-stack's own alerts use) pointing at the alert's section of
// docs/observability.md. The link is relative to the repository: Alertmanager only passes the
// annotation on, and the blueprint does not know where its users host their fork.
import type { PromRule } from "./monitors";

/** The document holding one `### <AlertName>` section per alert, under "Runbooks". */
export const RUNBOOK_DOC = "docs/observability.md";

/** The GitHub/GitLab anchor of a `### <AlertName>` heading: the name lowercased. */
export function runbookUrl(alert: string): string {
    return `${RUNBOOK_DOC}#${alert.toLowerCase()}`;
}

/** The rule with its runbook link when it is an alert; recording rules are left as they are. */
export function withRunbook(rule: PromRule): PromRule {
    if (!rule.alert) return rule;
    return { ...rule, annotations: { ...rule.annotations, runbook_url: runbookUrl(rule.alert) } };
}

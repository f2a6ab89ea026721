// Every rule the pack runs, in the order findings are reported. Rule ids are part of the
// interface (CrossGuard policy names, CLI output, SARIF rule ids): never rename one.
import type { Enforcement, Rule } from "./rules/types";
import { meshRules } from "./rules/mesh";
import { workloadRules } from "./rules/workloads";
import { cloudRules } from "./rules/cloud";
import { helmRules } from "./rules/helm";

export const RULES: readonly Rule[] = [...meshRules, ...workloadRules, ...cloudRules, ...helmRules];

const ids = new Set<string>();
for (const r of RULES) {
    if (ids.has(r.id)) throw new Error(`duplicate policy rule id ${r.id}`);
    ids.add(r.id);
}

export interface CatalogEntry {
    id: string;
    description: string;
    enforcement: Enforcement;
    /** "object": one object/resource at a time; "stack": all of a render or stack together. */
    scope: "object" | "stack";
    /** "kubernetes": Kubernetes objects (YAML or Pulumi Kubernetes resources); "pulumi": cloud and Helm resources. */
    target: "kubernetes" | "pulumi";
}

export function catalog(): CatalogEntry[] {
    return RULES.map((r) => ({ id: r.id, description: r.description, enforcement: r.enforcement, scope: r.scope, target: r.target }));
}

/** The area a rule belongs to, from its id prefix (used for tags in CrossGuard and SARIF). */
export function ruleArea(id: string): "istio" | "kubernetes" | "helm" | "aws" {
    return id.startsWith("istio-") ? "istio" : id.startsWith("k8s-") ? "kubernetes" : id.startsWith("helm-") ? "helm" : "aws";
}

export function ruleById(id: string): Rule | undefined {
    return RULES.find((r) => r.id === id);
}

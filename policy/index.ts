// The CrossGuard entry point: `pulumi preview --policy-pack policy` loads this file. It only
// constructs the pack; the policies live in policies.ts so tests never start its gRPC server.
import { PolicyPack } from "@pulumi/policy";
import { buildPolicies } from "./policies";

new PolicyPack("dodo-platform", {
    description: "Dodo Payments platform guardrails: Istio mTLS/authz/routing, pod hardening, EKS, KMS and Helm supply chain.",
    policies: buildPolicies(),
});

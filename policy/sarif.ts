// SARIF 2.1.0 output so GitHub code scanning can annotate pull requests with findings.
// Shapes follow the OASIS SARIF 2.1.0 schema; GitHub needs a physical location with a
// startLine for every result, and reads partialFingerprints to keep alerts stable.
import { createHash } from "crypto";
import type { Finding } from "./rules/types";
import { ruleArea, type CatalogEntry } from "./catalog";
import { describeObject } from "./report";

export interface SarifRegion { startLine: number }
export interface SarifArtifactLocation { uri: string; uriBaseId?: string }
export interface SarifLocation {
    physicalLocation: { artifactLocation: SarifArtifactLocation; region: SarifRegion };
    logicalLocations?: { fullyQualifiedName: string; kind: string }[];
}
export interface SarifRule {
    id: string;
    name: string;
    shortDescription: { text: string };
    fullDescription: { text: string };
    defaultConfiguration: { level: "error" | "warning" };
    helpUri?: string;
    properties: { tags: string[]; "security-severity": string };
}
export interface SarifResult {
    ruleId: string;
    ruleIndex: number;
    level: "error" | "warning";
    message: { text: string };
    locations: SarifLocation[];
    partialFingerprints: Record<string, string>;
}
export interface SarifLog {
    $schema: string;
    version: "2.1.0";
    runs: {
        tool: { driver: { name: string; informationUri?: string; semanticVersion?: string; rules: SarifRule[] } };
        originalUriBaseIds?: Record<string, { uri: string }>;
        results: SarifResult[];
        columnKind: "utf16CodeUnits";
    }[];
}

export const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

export interface SarifOptions {
    /** Where a finding sits: a path relative to the repository root and a 1-based line. */
    locate(f: Finding): { uri: string; line: number };
    toolVersion?: string;
    informationUri?: string;
    /** Absolute `file://` URI of the repository root, ending in `/` (lets viewers resolve relative paths). */
    srcRoot?: string;
}

const level = (e: Finding["enforcement"]): "error" | "warning" => (e === "mandatory" ? "error" : "warning");

function pascal(id: string): string {
    return id.split("-").map((p) => (p[0] ?? "").toUpperCase() + p.slice(1)).join("");
}

function tagsFor(id: string): string[] {
    return ["security", ruleArea(id)];
}

export function toSarif(findings: readonly Finding[], rules: readonly CatalogEntry[], options: SarifOptions): SarifLog {
    const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
    const sarifRules: SarifRule[] = rules.map((r) => ({
        id: r.id,
        name: pascal(r.id),
        shortDescription: { text: r.description },
        fullDescription: { text: `${r.description} Default enforcement: ${r.enforcement}.` },
        defaultConfiguration: { level: level(r.enforcement) },
        ...(options.informationUri ? { helpUri: options.informationUri } : {}),
        // GitHub ranks security alerts by this CVSS-like score.
        properties: { tags: tagsFor(r.id), "security-severity": r.enforcement === "mandatory" ? "8.0" : "4.0" },
    }));
    const results: SarifResult[] = findings.map((f) => {
        const where = options.locate(f);
        const object = `${f.apiVersion ? `${f.apiVersion}/` : ""}${f.kind}/${f.namespace ? `${f.namespace}/` : ""}${f.name}`;
        const fingerprint = createHash("sha256").update(`${f.rule}\0${object}\0${f.message}`).digest("hex").slice(0, 32);
        return {
            ruleId: f.rule,
            ruleIndex: ruleIndex.get(f.rule) ?? -1,
            level: level(f.enforcement),
            message: { text: `${describeObject(f)}: ${f.message}` },
            locations: [{
                physicalLocation: {
                    artifactLocation: { uri: where.uri, ...(options.srcRoot ? { uriBaseId: "%SRCROOT%" } : {}) },
                    region: { startLine: Math.max(1, where.line) },
                },
                logicalLocations: [{ fullyQualifiedName: object, kind: "resource" }],
            }],
            // Stable across edits that only move the object within the file.
            partialFingerprints: { "dodoPolicyFinding/v1": fingerprint },
        };
    });
    return {
        $schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [{
            tool: { driver: {
                name: "dodo-policy-check",
                ...(options.informationUri ? { informationUri: options.informationUri } : {}),
                ...(options.toolVersion ? { semanticVersion: options.toolVersion } : {}),
                rules: sarifRules,
            } },
            ...(options.srcRoot ? { originalUriBaseIds: { "%SRCROOT%": { uri: options.srcRoot } } } : {}),
            results,
            columnKind: "utf16CodeUnits",
        }],
    };
}

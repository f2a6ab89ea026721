// Reads the shipped pack configs (policy/config/<env>.json) for callers outside the Pulumi
// engine: the CLI and the synth apply the same per-environment settings CrossGuard gets.
import * as fs from "fs";
import * as path from "path";
import { RULES } from "./catalog";
import { fromPackConfig } from "./config";
import type { Environment, PolicyConfig } from "./rules/types";

export const PACK_CONFIG_DIR = path.join(__dirname, "config");

/** A pack config file (JSON) as the checker's PolicyConfig; errors name the file and key. */
export function loadPackConfigFile(file: string): PolicyConfig {
    let raw: unknown;
    try {
        raw = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`${file}: ${(e as Error).message}`);
    }
    try {
        return fromPackConfig(raw, RULES.map((r) => r.id));
    } catch (e) {
        throw new Error(`${file}: ${(e as Error).message}`);
    }
}

/** The shipped config for an environment, e.g. policy/config/dev.json. */
export function shippedPackConfig(env: Environment): PolicyConfig {
    return loadPackConfigFile(path.join(PACK_CONFIG_DIR, `${env}.json`));
}

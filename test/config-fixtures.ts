// Stack config as the CLI would hand it over, for tests of the parser: the environment's stack file
// plus `pulumi config set --path` assignments, and the problems a rejected config reports.
import { strict as assert } from "assert";
import { ConfigError, parsePlatformConfig, PlatformConfig } from "../components/config";
import { readStackConfig, REPO_ROOT } from "../scripts/lib/render";

// Each test starts from what the CLI would pass for the environment's stack file (required keys
// such as hosts and images included), minus the sizing keys the stack file sets, so defaults
// show. `paths` are `pulumi config set --path` assignments (strings typed the way the CLI types
// them); undefined removes a key.
export const RESET: Record<string, unknown> = {
    "dodo-platform:network.flowLogs": undefined,
    "dodo-platform:cluster.endpointPublicAccess": undefined,
    "dodo-platform:cluster.publicAccessCidrs": undefined,
    "dodo-platform:nodes.minSize": undefined,
    "dodo-platform:nodes.desiredSize": undefined,
    "dodo-platform:nodes.maxSize": undefined,
};

export function cli(stack: string, paths: Record<string, unknown> = {}): { values: Record<string, string>; secretKeys: string[] } {
    const file = ["dev", "staging", "prod"].includes(stack) ? stack : "dev";
    const reset = file === "dev" ? { ...RESET, "dodo-platform:network.flowLogs": false } : RESET;
    const { values, secretKeys } = readStackConfig(file, REPO_ROOT, { ...reset, ...paths });
    return { values, secretKeys };
}

export function parse(stack: string, paths: Record<string, unknown> = {}): PlatformConfig {
    return parsePlatformConfig({ stack, ...cli(stack, paths) });
}

/** The problems for a config the CLI hands over as it is (flat keys included). */
export function rawProblems(stack: string, values: Record<string, string>, secretKeys: string[] = cli(stack).secretKeys): string[] {
    try {
        parsePlatformConfig({ stack, values, secretKeys });
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
        return [...err.problems];
    }
    assert.fail("expected the config to be rejected");
}

export function problems(stack: string, paths: Record<string, unknown>): string[] {
    try {
        parse(stack, paths);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
        return [...err.problems];
    }
    assert.fail("expected the config to be rejected");
}


// A small `--flag value` parser for the repo's commands, with errors meant for people.

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export type FlagSpec = Record<string, "string" | "boolean" | "list">;

export type ParsedArgs<S extends FlagSpec> = {
    [K in keyof S]?: S[K] extends "boolean" ? boolean : S[K] extends "list" ? string[] : string;
} & { _: string[] };

/** Parses `--name value`, `--name=value` and boolean `--name`; positional arguments go to `_`. */
export function parseArgs<S extends FlagSpec>(argv: string[], spec: S, usage: string): ParsedArgs<S> {
    const out: Record<string, unknown> = { _: [] as string[] };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("--")) {
            (out._ as string[]).push(arg);
            continue;
        }
        const eq = arg.indexOf("=");
        const name = arg.slice(2, eq === -1 ? undefined : eq);
        const kind = spec[name];
        if (!kind) throw new UsageError(`unknown option --${name}\n${usage}`);
        if (kind === "boolean") {
            out[name] = true;
            continue;
        }
        const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
        if (value === undefined || (eq === -1 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value\n${usage}`);
        if (kind === "list") out[name] = [...((out[name] as string[]) ?? []), value];
        else out[name] = value;
    }
    return out as ParsedArgs<S>;
}

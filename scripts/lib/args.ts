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

/** Errors whose message is the whole story: a config problem, or the program's RunError. */
function isMessageOnly(err: unknown): boolean {
    const e = err as { name?: string; constructor?: { name?: string } } | undefined;
    // The program turns ConfigError into a RunError: both carry the full, key-naming message.
    return e?.name === "ConfigError" || e?.name === "RunError" || e?.constructor?.name === "RunError";
}

/**
 * Runs a command's `main` and exits with its code. A UsageError prints the usage and exits 2;
 * config errors and the command's own expected failures print their message alone and exit 1;
 * anything else is a bug, so it prints the stack.
 */
export function runCommand(name: string, main: (argv: string[]) => Promise<number>, expected: (err: unknown) => boolean = () => false): void {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: unknown) => {
            if (err instanceof UsageError) {
                console.error(err.message);
                process.exit(2);
            }
            const e = err as Error;
            if (isMessageOnly(err) || expected(err)) console.error(`${name}: ${e.message}`);
            else console.error(`${name} failed: ${e?.stack ?? String(err)}${process.env.DODO_STACK_TRACES ? "" : "\n(rerun with DODO_STACK_TRACES=1 for the full stack)"}`);
            process.exit(1);
        },
    );
}

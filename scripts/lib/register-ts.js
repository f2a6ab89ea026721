// Fast TypeScript loading for the repo's commands (synth, diff, authz, ...): sucrase strips the
// types (no type checking: `npm test` runs tsc), the result is cached on disk by content hash, and
// Node's compile cache keeps the bytecode. Stack traces point at the transpiled lines, which
// sucrase keeps aligned with the source (it preserves line numbers).
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");
const moduleApi = require("module");

if (typeof moduleApi.enableCompileCache === "function") {
    moduleApi.enableCompileCache(path.join(os.tmpdir(), "dodo-platform-node-compile-cache"));
}

const sucraseVersion = require("sucrase/package.json").version;
const cacheDir = path.join(os.tmpdir(), "dodo-platform-ts-cache", sucraseVersion);
let transform;

function compileTs(source, filename) {
    const key = crypto.createHash("sha1").update(filename).update("\0").update(source).digest("hex");
    const cached = path.join(cacheDir, `${key}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        // not cached yet
    }
    transform = transform || require("sucrase").transform;
    const { code } = transform(source, { transforms: ["typescript", "imports"], filePath: filename, keepUnusedImports: false });
    try {
        fs.mkdirSync(cacheDir, { recursive: true });
        const tmp = `${cached}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, code);
        fs.renameSync(tmp, cached);
    } catch {
        // a read-only tmp only costs speed
    }
    return code;
}

require.extensions[".ts"] = function loadTs(module, filename) {
    module._compile(compileTs(fs.readFileSync(filename, "utf8"), filename), filename);
};

// Fast start-up for the repo's commands (synth, diff, authz, ...) and for mocha (.mocharc.json):
// - TypeScript: sucrase strips the types (no type checking: `npm test` runs tsc), the result is
//   cached on disk by content hash, and Node's compile cache keeps the bytecode. Stack traces point
//   at the transpiled lines, which sucrase keeps aligned with the source (it preserves lines).
// - @pulumi/pulumi loads, at import, the TypeScript compiler and npm's package tooling for closure
//   serialization, and the Automation API. Programs run offline use neither, so those modules are
//   handed to the SDK as proxies that load the real module on first use: behaviour is unchanged,
//   and the synth starts ~150 ms sooner (see `npm run bench`).
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

// Modern syntax (`?.`, `??`, class fields) stays as written: Node runs it natively, sucrase's helpers
// for it cost a closure per use in hot loops, and native class fields are the define semantics that
// tsc's ES2022 target (and so `npm test`) gives them.
const TRANSFORM_OPTIONS = { transforms: ["typescript", "imports"], keepUnusedImports: false, disableESTransforms: true };
const optionsKey = JSON.stringify(TRANSFORM_OPTIONS);

function compileTs(source, filename) {
    const key = crypto.createHash("sha1").update(optionsKey).update("\0").update(filename).update("\0").update(source).digest("hex");
    const cached = path.join(cacheDir, `${key}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        // not cached yet
    }
    transform = transform || require("sucrase").transform;
    const { code } = transform(source, { ...TRANSFORM_OPTIONS, filePath: filename });
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

const LAZY_FOR_PULUMI = new Set(["typescript", "@npmcli/arborist", "normalize-package-data", "./automation"]);
const PULUMI_SDK = /[\\/]node_modules[\\/]@pulumi[\\/]pulumi[\\/]/;
const load = moduleApi._load;
moduleApi._load = function lazyForPulumi(request, parent, isMain) {
    if (!LAZY_FOR_PULUMI.has(request) || !parent || !PULUMI_SDK.test(parent.filename)) return load.apply(this, arguments);
    let real;
    const resolve = () => (real === undefined ? (real = load.call(this, request, parent, isMain)) : real);
    // `__esModule` answers without loading, so the SDK's __importStar keeps the proxy as is.
    return new Proxy(
        {},
        {
            get: (_, key) => (key === "__esModule" ? true : resolve()[key]),
            has: (_, key) => key in resolve(),
            ownKeys: () => Reflect.ownKeys(resolve()),
            getOwnPropertyDescriptor: (_, key) => {
                const d = Object.getOwnPropertyDescriptor(resolve(), key);
                return d && { ...d, configurable: true };
            },
        },
    );
};

require.extensions[".ts"] = function loadTs(module, filename) {
    module._compile(compileTs(fs.readFileSync(filename, "utf8"), filename), filename);
};

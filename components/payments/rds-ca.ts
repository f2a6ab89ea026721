// The RDS CA bundle the backend verifies the database with (`sslmode=verify-full`). Pure: the PEM
// text in, the stack region's root CAs out, or an error that says what is wrong. The component
// reads RDS_CA.bundleFile at deploy time and builds the `rds-ca` ConfigMap from what this returns.
import { createHash, X509Certificate } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { RDS_CA } from "../versions";

/** Root CA names per CACertificateIdentifier: the root that signs the instance's server certificate. */
const ROOT_NAME: Readonly<Record<string, string>> = {
    "rds-ca-rsa2048-g1": "Root CA RSA2048 G1",
    "rds-ca-rsa4096-g1": "Root CA RSA4096 G1",
    "rds-ca-ecc384-g1": "Root CA ECC384 G1",
};

export interface RegionalCaBundle {
    /** The region's root CAs, PEM, in bundle order: what the ConfigMap holds. */
    pem: string;
    /** Subject CNs of those roots. */
    roots: string[];
    /** SHA-256 of the whole bundle file (equal to the pin). */
    bundleSha256: string;
}

function splitPem(text: string): string[] {
    return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => `${m[0]}\n`);
}

function commonName(cert: X509Certificate): string {
    return /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1] ?? cert.subject;
}

/**
 * Verifies the bundle and picks the region's roots. Refuses: a file whose SHA-256 is not the pin
 * (edited or replaced), a certificate that is not a self-signed CA, a region with no root, no root
 * for the instance's CA identifier, and a root expired at `now`.
 */
export function regionalCaBundle(text: string, region: string, options: { sha256?: string; identifier?: string; now?: Date } = {}): RegionalCaBundle {
    const pinned = options.sha256 ?? RDS_CA.bundleSha256;
    const identifier = options.identifier ?? RDS_CA.identifier;
    const now = options.now ?? new Date();
    const actual = createHash("sha256").update(text).digest("hex");
    if (actual !== pinned) throw new Error(`RDS CA bundle: SHA-256 is ${actual}, expected the pinned ${pinned} (RDS_CA in components/versions.ts); refresh it as docs/payments.md says`);
    const certs = splitPem(text).map((pem) => ({ pem, cert: new X509Certificate(pem) }));
    if (certs.length === 0) throw new Error("RDS CA bundle: no certificate in the file");
    for (const { cert } of certs) {
        if (!cert.ca || cert.subject !== cert.issuer || !cert.verify(cert.publicKey)) throw new Error(`RDS CA bundle: ${commonName(cert)} is not a self-signed CA certificate`);
    }
    const prefix = `Amazon RDS ${region} Root CA `;
    const mine = certs.filter(({ cert }) => commonName(cert).startsWith(prefix));
    if (mine.length === 0) throw new Error(`RDS CA bundle: no root CA for region ${region}; refresh the bundle (docs/payments.md)`);
    const wanted = ROOT_NAME[identifier];
    if (!wanted) throw new Error(`RDS CA bundle: unknown CA identifier ${identifier} (known: ${Object.keys(ROOT_NAME).join(", ")})`);
    const root = mine.find(({ cert }) => commonName(cert) === `Amazon RDS ${region} ${wanted}`);
    if (!root) throw new Error(`RDS CA bundle: no "Amazon RDS ${region} ${wanted}" for ${identifier}`);
    for (const { cert } of mine) {
        if (new Date(cert.validTo) <= now) throw new Error(`RDS CA bundle: ${commonName(cert)} expired on ${cert.validTo}`);
    }
    return { pem: mine.map((c) => c.pem).join(""), roots: mine.map(({ cert }) => commonName(cert)), bundleSha256: actual };
}

/** Reads RDS_CA.bundleFile (relative to the repository root) and verifies it for `region`. */
export function loadRegionalCaBundle(region: string): RegionalCaBundle {
    const file = path.join(__dirname, "..", "..", RDS_CA.bundleFile);
    return regionalCaBundle(fs.readFileSync(file, "utf8"), region);
}

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CertificatePaths {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * One throwaway CA per control plane: a serving certificate for the apiserver on loopback and an admin client
 * certificate in group system:masters. EC P-256 keeps generation in the milliseconds.
 */
export function generateCertificates(dir: string): CertificatePaths {
  const p = (name: string) => join(dir, name);
  const paths: CertificatePaths = {
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    servingCert: p("apiserver.crt"),
    servingKey: p("apiserver.key"),
    adminCert: p("admin.crt"),
    adminKey: p("admin.key"),
    serviceAccountKey: p("sa.key"),
    serviceAccountPub: p("sa.pub"),
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    paths.caKey,
    "-out",
    paths.caCert,
    "-days",
    "3650",
    "-subj",
    "/CN=loco-local-ca",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  const sans =
    "subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:10.96.0.1";
  openssl([
    "req",
    "-x509",
    ...ec,
    "-CA",
    paths.caCert,
    "-CAkey",
    paths.caKey,
    "-keyout",
    paths.servingKey,
    "-out",
    paths.servingCert,
    "-days",
    "3650",
    "-subj",
    "/CN=kube-apiserver",
    "-addext",
    sans,
    "-addext",
    "extendedKeyUsage=serverAuth",
    "-addext",
    "basicConstraints=critical,CA:FALSE",
  ]);
  openssl([
    "req",
    "-x509",
    ...ec,
    "-CA",
    paths.caCert,
    "-CAkey",
    paths.caKey,
    "-keyout",
    paths.adminKey,
    "-out",
    paths.adminCert,
    "-days",
    "3650",
    "-subj",
    "/O=system:masters/CN=loco-admin",
    "-addext",
    "extendedKeyUsage=clientAuth",
    "-addext",
    "basicConstraints=critical,CA:FALSE",
  ]);
  openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", paths.serviceAccountKey]);
  const pub = execFileSync("openssl", ["pkey", "-in", paths.serviceAccountKey, "-pubout"]);
  writeFileSync(paths.serviceAccountPub, pub);
  return paths;
}

import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
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

function certificatePaths(dir: string): CertificatePaths {
  const p = (name: string) => join(dir, name);
  return {
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    servingCert: p("apiserver.crt"),
    servingKey: p("apiserver.key"),
    adminCert: p("admin.crt"),
    adminKey: p("admin.key"),
    serviceAccountKey: p("sa.key"),
    serviceAccountPub: p("sa.pub"),
  };
}

/**
 * The certificates an earlier start left in `dir`, when every one of them is there. A restart must reuse them: the
 * service-account key signs every token in etcd, and the CA is in every kubeconfig handed out.
 */
export function existingCertificates(dir: string): CertificatePaths | undefined {
  const paths = certificatePaths(dir);
  return Object.values(paths).every((path) => existsSync(path)) ? paths : undefined;
}

/**
 * One throwaway CA per control plane: a serving certificate for the apiserver on loopback and an admin client
 * certificate in group system:masters. EC P-256 keeps generation in the milliseconds.
 */
export function generateCertificates(dir: string): CertificatePaths {
  const paths = certificatePaths(dir);
  // A new EC key and a certificate for it: self-signed (the CA) or signed by the CA.
  const issue = (subject: string, key: string, cert: string, extensions: string[], signedByCa: boolean) =>
    openssl([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      ...(signedByCa ? ["-CA", paths.caCert, "-CAkey", paths.caKey] : []),
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "3650",
      "-subj",
      subject,
      ...extensions.flatMap((extension) => ["-addext", extension]),
    ]);
  issue(
    "/CN=loco-local-ca",
    paths.caKey,
    paths.caCert,
    ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"],
    false,
  );
  const sans =
    "subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:10.96.0.1";
  issue(
    "/CN=kube-apiserver",
    paths.servingKey,
    paths.servingCert,
    [sans, "extendedKeyUsage=serverAuth", "basicConstraints=critical,CA:FALSE"],
    true,
  );
  issue(
    "/O=system:masters/CN=loco-admin",
    paths.adminKey,
    paths.adminCert,
    ["extendedKeyUsage=clientAuth", "basicConstraints=critical,CA:FALSE"],
    true,
  );
  openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", paths.serviceAccountKey]);
  const pub = execFileSync("openssl", ["pkey", "-in", paths.serviceAccountKey, "-pubout"]);
  writeFileSync(paths.serviceAccountPub, pub);
  return paths;
}

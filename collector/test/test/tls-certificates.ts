import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files made by {@link makeTestCertificates}, all in one temp directory. */
export interface TestCertificates {
  readonly dir: string;
  /** The test CA: signs the server and client certificates; the collector trusts it for client certs. */
  readonly caCert: string;
  /** A server certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1, and DNS:localhost). */
  readonly serverCert: string;
  readonly serverKey: string;
  /** A client certificate (extendedKeyUsage clientAuth) signed by the CA. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate signed by ANOTHER CA: a receiver that trusts only the test CA refuses it. */
  readonly rogueClientCert: string;
  readonly rogueClientKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

/**
 * A CA, a server certificate for 127.0.0.1 and client certificates, made with the `openssl` CLI
 * at test time (nothing secret is committed; each run has its own keys). EC P-256 keys: fast to
 * generate on a loaded machine. Valid for 2 days.
 */
export function makeTestCertificates(dir: string): TestCertificates {
  const p = (name: string): string => join(dir, name);
  const key = (name: string): void => openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name]);
  const ca = (name: string, cn: string): void => {
    key(`${name}-key.pem`);
    openssl(dir, ['req', '-x509', '-new', '-key', `${name}-key.pem`, '-sha256', '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', `${name}.pem`]);
  };
  const leaf = (name: string, cn: string, caName: string, ext: string): void => {
    key(`${name}-key.pem`);
    openssl(dir, ['req', '-new', '-key', `${name}-key.pem`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`]);
    writeFileSync(p(`${name}.ext`), ext);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}-key.pem`, '-CAcreateserial',
      '-days', '2', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
  };
  ca('ca', 'otelkit test CA');
  ca('rogue-ca', 'otelkit rogue CA');
  leaf('server', '127.0.0.1', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  leaf('client', 'otelkit-test-client', 'ca', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  leaf('rogue-client', 'otelkit-rogue-client', 'rogue-ca', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  return {
    dir,
    caCert: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server-key.pem'),
    clientCert: p('client.pem'),
    clientKey: p('client-key.pem'),
    rogueClientCert: p('rogue-client.pem'),
    rogueClientKey: p('rogue-client-key.pem'),
  };
}

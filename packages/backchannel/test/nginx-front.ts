// nginx in front of a scale-out set-up, with deploy/nginx/backchannel.conf as shipped: only the
// example upstream addresses and the listen port are replaced with this run's.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const nginxBinary = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const repo = fileURLToPath(new URL('../../../../', import.meta.url));

/** deploy/nginx/backchannel.conf with this run's ports in place of the example addresses. */
export function nginxConfig(listen: number, apis: number[], ekgs: number[]): string {
  const site = readFileSync(join(repo, 'deploy', 'nginx', 'backchannel.conf'), 'utf8');
  const servers = (ports: number[]) => ports.map((p) => `    server 127.0.0.1:${p};`).join('\n');
  const rendered = site
    .replace(/(upstream backchannel_api \{)[^}]*?(\n\s*keepalive)/, `$1\n${servers(apis)}$2`)
    .replace(/(upstream backchannel_ekg \{)[^}]*?(\n\s*keepalive)/, `$1\n${servers(ekgs)}$2`)
    .replace('listen 80;', `listen 127.0.0.1:${listen};`);
  assert.ok(!rendered.includes('10.0.0.'), 'every example address was replaced');
  return rendered;
}

export interface NginxFront {
  url: string;
  stop(): Promise<void>;
}

/** Starts nginx (its files under `dir`) and resolves once it answers on `listen`. */
export async function startNginx(
  dir: string,
  listen: number,
  apis: number[],
  ekgs: number[],
): Promise<NginxFront> {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'backchannel.conf'), nginxConfig(listen, apis, ekgs));
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'worker_processes 1;',
      `error_log ${dir}/error.log;`,
      `pid ${dir}/nginx.pid;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (kind) => `  ${kind}_temp_path ${dir}/tmp/${kind};`,
      ),
      `  include ${dir}/backchannel.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  const nginx: ChildProcess = spawn(
    nginxBinary,
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${listen}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // nginx is not listening yet
    }
    if (nginx.exitCode !== null) {
      const log = join(dir, 'error.log');
      assert.fail(`nginx exited: ${existsSync(log) ? readFileSync(log, 'utf8') : 'see its output above'}`);
    }
    assert.ok(Date.now() < deadline, 'nginx did not answer within 15 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    async stop() {
      if (nginx.exitCode !== null) return;
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGQUIT');
      await exited;
    },
  };
}

// @vitest-environment node
// `npm run demo`'s start script, as a child process.
import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanup, payload, stall, track, until } from '../collector/test-helpers';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');


describe('start.mjs', () => {
  function start(args: string[]) {
    const child = spawn(process.execPath, ['demo/site/start.mjs', '--memory', ...args], { cwd: repoRoot, stdio: 'pipe' });
    cleanup(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = once(child, 'exit').then(([code]) => code);
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  it('prints DEMO_READY with the URLs and exits 0 on SIGTERM', async () => {
    const demo = start(['--collector-port', '0', '--site-port', '0']);
    await until(() => demo.output().stdout.includes('DEMO_READY'), 5000);
    const line = demo.output().stdout.split('\n').find((text) => text.startsWith('DEMO_READY '))!;
    const { collectorUrl, siteUrl } = JSON.parse(line.slice('DEMO_READY '.length));
    expect((await fetch(`${collectorUrl}/stats`)).status).toBe(200);
    expect((await fetch(`${siteUrl}/admin/state`)).status).toBe(200);
    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
  });

  it('believes X-Forwarded-For from --trusted-proxies, and stops on Ctrl-C (SIGINT) with exit 0', async () => {
    const demo = start(['--collector-port', '0', '--site-port', '0', '--trusted-proxies', '127.0.0.1']);
    await until(() => demo.output().stdout.includes('DEMO_READY'), 5000);
    const line = demo.output().stdout.split('\n').find((text) => text.startsWith('DEMO_READY '))!;
    const { collectorUrl, siteUrl } = JSON.parse(line.slice('DEMO_READY '.length));
    await track(collectorUrl, payload([{ id: 'xff', type: 'a' }]), { 'x-forwarded-for': '203.0.113.7' });
    const events = await (await fetch(`${siteUrl}/admin/events`)).json();
    expect(events[0].request.ip).toBe('203.0.113.7');
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(demo.output().stdout).toContain('Demo stopped.');
    await expect(fetch(`${collectorUrl}/stats`)).rejects.toThrow();
  });

  it('answers only --origins, and cuts a request that stalls past --request-timeout', async () => {
    const demo = start(['--collector-port', '0', '--site-port', '0', '--origins', 'http://shop.test', '--request-timeout', '300']);
    await until(() => demo.output().stdout.includes('DEMO_READY'), 5000);
    const line = demo.output().stdout.split('\n').find((text) => text.startsWith('DEMO_READY '))!;
    const { collectorUrl } = JSON.parse(line.slice('DEMO_READY '.length));
    expect((await track(collectorUrl, payload([{ type: 'a' }]), { origin: 'http://evil.test' })).status).toBe(403);
    expect((await track(collectorUrl, payload([{ type: 'a' }]), { origin: 'http://shop.test' })).status).toBe(200);
    const { answer, ms } = await stall(collectorUrl, 'POST /track HTTP/1.1\r\nHost: c\r\nContent-Length: 10\r\n\r\n{');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeLessThan(1500);
    // The demo pages are not among the origins: said at start.
    expect(demo.output().stderr).toContain('--origins does not include');
  });

  it('refuses a --request-timeout that is not a whole number of ms, and exits 2', async () => {
    const demo = start(['--collector-port', '0', '--site-port', '0', '--request-timeout', '5s']);
    expect(await demo.exited).toBe(2);
    expect(demo.output().stderr).toContain('--request-timeout must be a whole number of milliseconds from 1, got "5s"');
  });

  it('names the busy port and how to change it, and exits 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup(() => new Promise((resolve) => blocker.close(resolve)));
    const busy = (blocker.address() as net.AddressInfo).port;

    const collector = start(['--collector-port', String(busy), '--site-port', '0']);
    expect(await collector.exited).toBe(1);
    expect(collector.output().stderr.trim()).toBe(
      `Port ${busy} (collector) is already in use: choose another with --collector-port <port> or COLLECTOR_PORT=<port>.`,
    );
    const site = start(['--collector-port', '0', '--site-port', String(busy)]);
    expect(await site.exited).toBe(1);
    expect(site.output().stderr).toContain('--site-port');
  });
});

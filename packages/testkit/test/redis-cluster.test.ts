import { describe, expect, it, onTestFinished } from 'vitest';
import { parseClusterNodes, respCommand, startCluster } from '../src/index.js';

describe('startCluster with replicas', () => {
  it('starts masters with replicas, kills a master by PID, and reports when its replica serves its slots', async () => {
    const cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
    onTestFinished(() => cluster.stop());
    expect(cluster.nodes).toHaveLength(6);
    const members = await cluster.members();
    const masters = members.filter((m) => m.role === 'master');
    expect(masters).toHaveLength(3);
    for (const m of masters) expect(members.filter((r) => r.masterId === m.id)).toHaveLength(1);

    const victim = masters[0]!;
    const replica = members.find((r) => r.masterId === victim.id)!;
    expect(await cluster.syncReplicas(victim.port)).toBe(1);
    const pid = victim.server!.pid;
    await cluster.kill(victim.port);
    expect(() => process.kill(pid, 0)).toThrow();

    await cluster.waitUntilServed(30_000);
    const after = await cluster.members();
    const promoted = after.find((m) => m.port === replica.port)!;
    expect(promoted.role).toBe('master');
    expect(promoted.slots).toEqual(victim.slots);
    expect(await respCommand(replica.host, replica.port, ['ROLE'])).toContainEqual('master');
  });

  it('waitUntilServed rejects while a master without a replica is dead: its slots are never served', async () => {
    const cluster = await startCluster({ masters: 3, nodeTimeoutMs: 1000 });
    onTestFinished(() => cluster.stop());
    await cluster.waitUntilServed(5000);
    await cluster.kill(cluster.nodes[0]!.port);
    await expect(cluster.waitUntilServed(1500)).rejects.toThrow(/did not serve every slot/);
  });

  it('parses CLUSTER NODES lines: roles, masters, slot ranges and failure flags', () => {
    const nodes = parseClusterNodes(
      [
        'a1 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-5460 [5461->-b2]',
        'b2 127.0.0.1:30002@40002 slave,fail a1 0 0 1 disconnected',
      ].join('\n'),
    );
    expect(nodes).toEqual([
      {
        id: 'a1',
        host: '127.0.0.1',
        port: 30001,
        role: 'master',
        masterId: undefined,
        slots: [[0, 5460]],
        failed: false,
      },
      { id: 'b2', host: '127.0.0.1', port: 30002, role: 'replica', masterId: 'a1', slots: [], failed: true },
    ]);
  });
});

import { Writable } from 'node:stream';
import { generateCommand } from './generate.command';

async function generate(customers: string, seed: string): Promise<string[]> {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  await generateCommand({ customers, seed, now: '2026-01-01T00:00:00Z' }, out);
  return text.trimEnd().split('\n');
}

describe('tagctl generate', () => {
  it('writes one {customerId, profile} line per customer, the same for the same seed', async () => {
    const lines = await generate('20', '42');
    expect(lines).toHaveLength(20);
    expect(JSON.parse(lines[0])).toEqual({ customerId: 'C0000001', profile: expect.any(Object) });
    expect(await generate('20', '42')).toEqual(lines);
    expect(await generate('20', '43')).not.toEqual(lines);
  });

  it('refuses counts and seeds that are not whole numbers', async () => {
    await expect(generate('ten', '1')).rejects.toThrow('--customers must be a whole number');
    await expect(generate('10', '-1')).rejects.toThrow('--seed must be a whole number');
  });
});
